#!/usr/bin/env node
/**
 * Renders the welcome email as the service would and writes it for a person to look at:
 * `npm run preview -- --locale fa --name "Ada"` → `.local/preview/welcome-fa.eml` and `.html`.
 * The templates, default locale and values come from the service's own variables
 * (EMAIL_TEMPLATES_DIR, EMAIL_DEFAULT_LOCALE, EMAIL_TEMPLATE_VARS_*) unless a flag says otherwise,
 * and a template the service would refuse is refused here the same way (exit 2).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { composeWelcomeEmail } from '../src/delivery/compose-welcome-email.js';
import { renderWelcomeEmail } from '../src/delivery/render-welcome-email.js';
import { loadWelcomeTemplates, type WelcomeTemplates } from '../src/delivery/templates/load-welcome-templates.js';
import { parseEvent } from '../src/intake/parse-event.js';
import { ConfigError, fromDomain } from '../src/platform/config.js';
import { readTemplateVars } from '../src/platform/template-vars.js';

const USAGE = `Usage: npm run preview -- [options]

Writes the welcome email as the service renders and composes it: <out>/welcome-<locale>.eml (the
bytes sent over SMTP; open it in a mail program) and <out>/welcome-<locale>.html (the HTML part).

  --locale <tag>          the event's user.locale (negotiated as the service does: de-AT → de)
  --all                   one email per locale of the templates instead
  --name <text>           the user's name (dropped as the service drops it, e.g. with a bidi control)
  --email <address>       the recipient (default ada@example.test)
  --templates-dir <dir>   default: EMAIL_TEMPLATES_DIR, else the templates the service ships
  --default-locale <tag>  default: EMAIL_DEFAULT_LOCALE, else en
  --var <name>=<value>    an operator value (repeatable), over EMAIL_TEMPLATE_VARS_<NAME>
  --from <address>        default: EMAIL_FROM, else "Example <welcome@example.com>"
  --out <dir>             default .local/preview
  --help`;

const OPTIONS = {
  locale: { type: 'string' },
  all: { type: 'boolean', default: false },
  name: { type: 'string' },
  email: { type: 'string', default: 'ada@example.test' },
  'templates-dir': { type: 'string' },
  'default-locale': { type: 'string' },
  var: { type: 'string', multiple: true, default: [] as string[] },
  from: { type: 'string' },
  out: { type: 'string', default: path.join('.local', 'preview') },
  help: { type: 'boolean', default: false },
} as const;

function fail(message: string, code = 2): never {
  process.stderr.write(`preview: ${message}\n`);
  process.exit(code);
}

function parseFlags() {
  try {
    return parseArgs({ options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    return fail(`${(err as Error).message}\nTry --help.`);
  }
}

const flags = parseFlags();
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const env = readTemplateVars(process.env);
if (env.problems.length > 0) fail(`invalid configuration\n${env.problems.map((p) => `  ${p}`).join('\n')}`);
const vars = { ...env.vars };
for (const pair of flags.var) {
  const [, name, value] = /^([a-z][a-z0-9_]*)=(.*)$/s.exec(pair) ?? [];
  if (name === undefined || value === undefined) fail(`--var: expected name=value with a lower-case name, e.g. product_name=Acme, got ${JSON.stringify(pair)}`);
  vars[name] = value;
}
const from = flags.from ?? process.env.EMAIL_FROM ?? 'Example <welcome@example.com>';

let templates: WelcomeTemplates;
try {
  const dir = flags['templates-dir'] ?? process.env.EMAIL_TEMPLATES_DIR ?? '';
  templates = loadWelcomeTemplates({ dir, defaultLocale: flags['default-locale'] ?? process.env.EMAIL_DEFAULT_LOCALE ?? 'en', vars });
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  fail(`the templates would stop the service\n${err.problems.map((p) => `  ${p}`).join('\n')}`);
}

const site = { from, domain: fromDomain(from), templates };
mkdirSync(flags.out, { recursive: true });
for (const requested of flags.all ? templates.locales : [flags.locale]) {
  const value = { eventId: 'preview-0001', type: 'user.signed_up', occurredAt: new Date().toISOString(), user: { id: 'preview', email: flags.email, name: flags.name, locale: requested } };
  const parsed = parseEvent(Buffer.from(JSON.stringify(value)));
  if (!parsed.ok) fail(`the service would dead-letter this event: ${parsed.error}`);
  if (parsed.nameDropped) process.stderr.write(`preview: the service drops this name (${parsed.nameDropped}) and greets without it\n`);
  const mail = renderWelcomeEmail(parsed.event, site);
  const { raw } = await composeWelcomeEmail(mail);
  const locale = templates.localeFor(parsed.event.user.locale);
  const base = path.join(flags.out, `welcome-${locale}`);
  writeFileSync(`${base}.eml`, raw ?? '');
  writeFileSync(`${base}.html`, mail.html);
  process.stdout.write(`${locale}${requested && requested !== locale ? ` (for ${requested})` : ''}: ${mail.subject}\n  ${base}.eml\n  ${base}.html\n`);
}
