#!/usr/bin/env node
/**
 * Renders each template set's email as the service would and writes it for a person to look at:
 * `npm run preview -- --locale fa --name "Ada"` → `.local/preview/welcome-fa.eml` and `.html`, and
 * `verify-email-fa.eml` and `.html` (every set of the folder unless `--set` names one).
 * The templates, default locale and values come from the service's own variables
 * (EMAIL_TEMPLATES_DIR, EMAIL_DEFAULT_LOCALE, EMAIL_TEMPLATE_VARS_*) unless a flag says otherwise,
 * and a template the service would refuse is refused here the same way (exit 2).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { composeWelcomeEmail } from '../src/email/compose-welcome-email.js';
import { renderEmail } from '../src/email/render-welcome-email.js';
import { loadTemplateCatalog, type TemplateCatalog } from '../src/email/templates/load-template-catalog.js';
import { parseEvent } from '../src/intake/parse-event.js';
import { fromDomain } from '../src/platform/config/config.js';
import { readTemplateVars } from '../src/platform/config/template-vars.js';
import { ConfigError } from '../src/platform/service-error.js';

const USAGE = `Usage: npm run preview -- [options]

Writes each template set's email as the service renders and composes it: <out>/<set>-<locale>.eml
(the bytes sent over SMTP, with the set's manifest headers; open it in a mail program) and
<out>/<set>-<locale>.html (the HTML part), for every set of the templates (welcome, verify-email…).

  --locale <tag>          the event's user.locale (negotiated as the service does: de-AT → de)
  --all                   one email per locale of the templates instead
  --set <name>            only this template set (repeatable)
  --data <field>=<value>  a field of the event's data (repeatable), e.g. verificationUrl=https://…;
                          a field a set needs and not given gets a sample value
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
  set: { type: 'string', multiple: true, default: [] as string[] },
  data: { type: 'string', multiple: true, default: [] as string[] },
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

let catalog: TemplateCatalog;
try {
  const dir = flags['templates-dir'] ?? process.env.EMAIL_TEMPLATES_DIR ?? '';
  catalog = loadTemplateCatalog({ dir, defaultLocale: flags['default-locale'] ?? process.env.EMAIL_DEFAULT_LOCALE ?? 'en', vars });
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  fail(`the templates would stop the service\n${err.problems.map((p) => `  ${p}`).join('\n')}`);
}

const data: Record<string, string> = {};
for (const pair of flags.data) {
  const [, name, value] = /^([A-Za-z][A-Za-z0-9_]*)=(.*)$/s.exec(pair) ?? [];
  if (name === undefined || value === undefined)
    fail(`--data: expected field=value, e.g. verificationUrl=https://acme.example/verify?t=1, got ${JSON.stringify(pair)}`);
  data[name] = value;
}
const unknownSet = flags.set.find((name) => !catalog.sets.has(name));
if (unknownSet !== undefined) fail(`--set: no template set "${unknownSet}" (sets: ${[...catalog.sets.keys()].join(', ')})`);
/** What a field looks like when --data gives none: the kind's sample, so every set can be seen. */
const SAMPLE = { url: 'https://example.com/verify?token=preview', text: 'Sample' } as const;

const site = { from, domain: fromDomain(from) };
mkdirSync(flags.out, { recursive: true });
for (const set of [...catalog.sets.values()].filter((s) => flags.set.length === 0 || flags.set.includes(s.name))) {
  // The first type the manifest maps to the set: the event the service would render it for.
  const type = [...catalog.routes].find(([, route]) => route.template === set.name)?.[0];
  if (type === undefined) {
    process.stderr.write(`preview: ${set.name}: no event type maps to this set; skipped\n`);
    continue;
  }
  const fields = Object.fromEntries(Object.entries(set.fields).map(([field, kind]) => [field, data[field] ?? SAMPLE[kind]]));
  process.stdout.write(`${set.name} (${type}):\n`);
  for (const requested of flags.all ? set.locales : [flags.locale]) {
    const value = {
      eventId: 'preview-0001',
      type,
      occurredAt: new Date().toISOString(),
      user: { id: 'preview', email: flags.email, name: flags.name, locale: requested },
      data: fields,
    };
    const parsed = parseEvent(Buffer.from(JSON.stringify(value)), catalog.routes);
    if (!parsed.ok) fail(`the service would dead-letter this event: ${parsed.error}`);
    if (parsed.nameDropped) process.stderr.write(`preview: the service drops this name (${parsed.nameDropped}) and greets without it\n`);
    const mail = renderEmail(parsed.event, set, site);
    const { raw } = await composeWelcomeEmail(mail);
    const locale = set.localeFor(parsed.event.user.locale);
    const base = path.join(flags.out, `${set.name}-${locale}`);
    writeFileSync(`${base}.eml`, raw);
    writeFileSync(`${base}.html`, mail.html);
    process.stdout.write(`${locale}${requested && requested !== locale ? ` (for ${requested})` : ''}: ${mail.subject}\n  ${base}.eml\n  ${base}.html\n`);
  }
}
