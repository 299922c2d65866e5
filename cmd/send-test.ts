#!/usr/bin/env node
/**
 * Sends one welcome email through the configured relays and prints the SMTP reply: a deploy smoke test.
 *
 *   send-test --to ADDRESS [--locale L]        in the image: node dist/cmd/send-test.js --to …
 *
 * Reads the service's environment (SMTP_*, SMTP_FALLBACK_*, EMAIL_*, DKIM_*, templates); the primary
 * relay first, the fallback (SMTP_FALLBACK_HOST) when the primary does not take it. Exit 0 sent,
 * 1 no relay took it (one line: each relay's answer), 2 bad usage or configuration.
 */
import { parseArgs } from 'node:util';

import { pino } from 'pino';
import { Registry } from 'prom-client';

import { dkimOptions, fallbackMailer } from '../src/composition/build-clients.js';
import { renderWelcomeEmail } from '../src/email/render-welcome-email.js';
import { loadWelcomeTemplates } from '../src/email/templates/load-welcome-templates.js';
import { signupEventSchema } from '../src/pipeline/signup-event.js';
import { fromDomain, loadConfig } from '../src/platform/config/config.js';
import type { Config } from '../src/platform/config/schema.js';
import { createLogger } from '../src/platform/logger.js';
import { createMetrics } from '../src/platform/metrics.js';
import { ConfigError } from '../src/platform/service-error.js';
import { classifySmtpError } from '../src/smtp/errors.js';
import { createSmtpMailer, type Mailer } from '../src/smtp/mailer.js';

const USAGE = 'Usage: send-test --to ADDRESS [--locale L]\nSends one welcome email through the configured relays and prints the SMTP reply.';

function usage(message: string): never {
  process.stderr.write(`send-test: ${message}\nTry --help.\n`);
  process.exit(2);
}

let args: { to?: string; locale?: string; help?: boolean };
try {
  ({ values: args } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    allowPositionals: false,
    options: { to: { type: 'string' }, locale: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  }));
} catch (err) {
  usage((err as Error).message);
}
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (args.to === undefined) usage('--to ADDRESS is required');

let config: Config;
try {
  // SMTP only: run by hand the Kafka settings may be absent, so KAFKA_BROKERS gets an inert placeholder.
  config = loadConfig({ KAFKA_BROKERS: 'unused.invalid:9092', ...process.env });
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`send-test: invalid configuration\n${err.problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(2);
}

// The event goes through the service's own contract, so an address the service would refuse is refused here.
const parsed = signupEventSchema.safeParse({
  eventId: `send-test-${Date.now()}`,
  type: 'user.signed_up',
  occurredAt: new Date().toISOString(),
  user: { id: 'send-test', email: args.to, name: 'Send Test', ...(args.locale === undefined ? {} : { locale: args.locale }) },
});
if (!parsed.success) usage(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: pino.destination({ fd: 2, sync: true }) });
const metrics = createMetrics({ registry: new Registry(), defaults: false });
let mail;
try {
  const templates = loadWelcomeTemplates({
    dir: config.email.templatesDir,
    defaultLocale: config.email.defaultLocale,
    vars: config.email.templateVars,
    metrics,
  });
  mail = renderWelcomeEmail(parsed.data, {
    from: config.email.from,
    domain: fromDomain(config.email.from),
    templates,
    envelopeFrom: config.email.envelopeFrom || undefined,
  });
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`send-test: invalid configuration\n${err.problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(2);
}

const dkim = dkimOptions(config);
const relays: Array<[string, Mailer]> = [['primary', createSmtpMailer({ ...config.smtp, connections: 1, logger: logger.child({ component: 'smtp' }), dkim })]];
const fallback = fallbackMailer(config, logger, dkim);
if (fallback) relays.push(['fallback', fallback]);

const answers: string[] = [];
let exitCode = 1;
for (const [name, mailer] of relays) {
  try {
    // Bounded by SMTP_SEND_TIMEOUT_MS inside the mailer.
    const delivery = await mailer.send(await mailer.prepare(mail));
    const relay = name === 'primary' ? config.smtp : config.smtpFallback;
    process.stdout.write(`sent via ${name} relay (${relay.host}:${relay.port}), Message-ID ${mail.messageId}: ${delivery?.reply ?? '(no reply text)'}\n`);
    exitCode = 0;
    break;
  } catch (err) {
    const failure = classifySmtpError(err);
    answers.push(`${name} ${failure.responseCode ?? failure.code ?? 'error'}: ${failure.message}`);
  }
}
for (const [, mailer] of relays) mailer.close();
if (exitCode !== 0) process.stderr.write(`send-test: not sent (${answers.join('; ')})\n`);
process.exit(exitCode);
