#!/usr/bin/env node
/**
 * DLQ redrive, a one-off Job: `npm run redrive -- --help`; in the image `node dist/cmd/redrive.js`.
 * The summary and the dry-run table go to stdout, logs (JSON) to stderr.
 */
import { Kafka } from 'kafkajs';
import { pino } from 'pino';

import { checkTlsFiles, loadConfig } from '../src/platform/config/config.js';
import type { Config } from '../src/platform/config/schema.js';
import { kafkaSecurityWarnings } from '../src/platform/config/warnings.js';
import { kafkaClientConfig } from '../src/platform/kafka/client-config.js';
import { checkConfiguredKafkaTls } from '../src/platform/kafka/tls-check.js';
import { createLogger } from '../src/platform/logger.js';
import { ConfigError, RedriveUsageError, ServiceError } from '../src/platform/service-error.js';
import { formatSummary, formatTable } from '../src/redrive/format-report.js';
import { createProgressBar } from '../src/redrive/progress-bar.js';
import { redriveGroupId } from '../src/redrive/redrive-group.js';
import { parseRedriveArgs, REDRIVE_USAGE, type RedriveOptions } from '../src/redrive/redrive-options.js';
import type { RedriveRow } from '../src/redrive/redrive-types.js';
import { runRedrive } from '../src/redrive/run-redrive.js';

let options: RedriveOptions;
try {
  options = parseRedriveArgs(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof RedriveUsageError)) throw err;
  process.stderr.write(`redrive: ${err.message}\nTry --help.\n`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(`${REDRIVE_USAGE}\n`);
  process.exit(0);
}

let config: Config;
try {
  // The redrive talks to Kafka only. It reads the service's ConfigMap, which has the SMTP settings;
  // run by hand it may not, so the two required SMTP/email variables get inert placeholders.
  config = loadConfig({ SMTP_HOST: 'unused.invalid', EMAIL_FROM: 'redrive@unused.invalid', ...process.env });
  checkTlsFiles(config);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`redrive: invalid configuration\n${err.problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(2);
}

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: pino.destination({ fd: 2, sync: true }) });
for (const { variable, message } of kafkaSecurityWarnings(config)) logger.warn({ variable }, message);
const kafka = new Kafka({ ...kafkaClientConfig(config, logger), clientId: `${config.kafka.clientId}-redrive` });
const group = options.group ?? redriveGroupId(config.kafka.groupId, options.selection);
if (group === config.kafka.groupId) {
  process.stderr.write(`redrive: --group must not be the service's own group (${group})\n`);
  process.exit(2);
}

try {
  // A broker certificate that does not verify (or a refused client certificate) would otherwise wait out --connect-timeout.
  await checkConfiguredKafkaTls(config);
} catch (err) {
  if (!(err instanceof ServiceError)) throw err;
  process.stderr.write(`redrive: ${err.message}\n`);
  process.exit(1);
}

const interrupt = new AbortController();
let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    signals += 1;
    // Everything redriven so far is committed; the record in hand may be republished on a re-run.
    if (signals > 1) process.exit(130);
    interrupt.abort(new Error(signal));
  });
}

const listed: RedriveRow[] = [];
const summary = await runRedrive({
  kafka,
  options: { ...options, group, dlqTopic: options.dlqTopic ?? config.kafka.dlqTopic },
  logger,
  progress: createProgressBar({ stream: process.stderr }),
  onRow: (row) => {
    if (options.dryRun && row.action === 'would-redrive') listed.push(row);
  },
  signal: interrupt.signal,
});

if (options.dryRun && summary.stoppedBy !== 'error') process.stdout.write(listed.length > 0 ? `${formatTable(listed)}\n\n` : 'Nothing would be redriven.\n\n');
process.stdout.write(`${formatSummary(summary)}\n`);
if (summary.stoppedBy === 'error') {
  // Our own errors say what happened in one line; anything else is logged whole.
  if (summary.error instanceof ServiceError) process.stderr.write(`redrive: ${summary.error.message}\n`);
  else logger.error({ err: summary.error }, 'redrive failed; re-run to continue from the last committed record');
}
process.exitCode = { end: 0, limit: 0, interrupted: 130, error: 1 }[summary.stoppedBy];
// KafkaJS may leave timers behind; every client has been disconnected.
setTimeout(() => process.exit(process.exitCode), 200).unref();
