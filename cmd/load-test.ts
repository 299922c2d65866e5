/**
 * npm run load-test -- [--local] [--spawn-service] [options]   (all options: --help)
 *
 * Produces N sign-up events, lets the service deliver them (to the load test's own SMTP sink, with
 * optional latency and 4xx/5xx shares, or to an external server), and reconciles a ledger: every
 * eventId must be delivered or dead-lettered. Prints produced / delivered / dead-lettered / lost /
 * duplicates, throughput over time, end-to-end latency and the service's peak RSS.
 *
 * Kafka connection (brokers, SASL, TLS) comes from the service's own variables (KAFKA_BROKERS,
 * KAFKA_SASL_*, KAFKA_SSL*), so it runs against a remote cluster as it does against `--local`.
 * Exit codes: 0 nothing lost, 1 something lost (or not settled before --timeout-s), 2 bad flag.
 */
import { setMaxListeners } from 'node:events';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import cliProgress from 'cli-progress';

import { formatSummary } from '../dev/loadtest/format-summary.js';
import { type LoadTestFlags, parseLoadTestArgs, USAGE, UsageError } from '../dev/loadtest/load-test-options.js';
import { runLoadTest } from '../dev/loadtest/run-load-test.js';
import { ensureKafka, type LocalKafka, localKafkaOptionsFromEnv } from '../dev/local-kafka.js';
import { serviceEnvFrom } from '../dev/service-process.js';
import { loadConfig } from '../src/platform/config/config.js';
import { kafkaClientConfig } from '../src/platform/kafka/client-config.js';
import { fixKafkaJsNegativeTimeout } from '../src/platform/kafka/kafkajs-negative-timeout.js';
import { createLogger } from '../src/platform/logger.js';
import { ConfigError } from '../src/platform/service-error.js';

// Node 24 warns about a negative timer in KafkaJS 2.2.4 on every connection (tulios/kafkajs#1751).
fixKafkaJsNegativeTimeout();

// The SMTP sink waits out its latency with one abort listener per mail in flight on one signal;
// hundreds in flight are expected here, not a leak.
setMaxListeners(10_000);

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const say = (line: string) => console.error(`load-test: ${line}`);

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
let flags: LoadTestFlags;
try {
  flags = parseLoadTestArgs(process.argv.slice(2), process.env);
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  // One line and a pointer, like redrive: the whole usage would bury the message.
  process.stderr.write(`load-test: ${err.message}\nTry --help.\n`);
  process.exit(2);
}

const controller = new AbortController();
process.once('SIGINT', () => controller.abort(new Error('interrupted')));

let local: LocalKafka | undefined;
if (flags.local) local = await ensureKafka({ ...localKafkaOptionsFromEnv(process.env), log: say, signal: controller.signal });
const brokers = local?.brokers.join(',') ?? process.env.KAFKA_BROKERS ?? '';
if (!brokers) {
  say('set KAFKA_BROKERS (and KAFKA_SASL_* / KAFKA_SSL* as for the service) or pass --local');
  process.exit(2);
}
let kafka;
try {
  // The service's own config rules for the cluster connection; SMTP and sender are not used here.
  const config = loadConfig({
    ...process.env,
    KAFKA_BROKERS: brokers,
    SMTP_HOST: process.env.SMTP_HOST || '127.0.0.1',
    EMAIL_FROM: process.env.EMAIL_FROM || 'load@load.test',
  });
  kafka = kafkaClientConfig(config, createLogger({ level: 'warn' }));
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  say(`invalid configuration\n${err.problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(2);
}

const bar = process.stderr.isTTY
  ? new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: 'load-test |{bar}| {value}/{total} settled · {produced} produced · {eta_formatted} left',
        hideCursor: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    )
  : undefined;
let lastLine = 0;
let lastSettled = -1;
// Lines logged while the bar is drawn would tear it: they are printed once it stops.
const held: string[] = [];
const result = await runLoadTest({
  ...flags,
  kafka,
  projectRoot: ROOT,
  // A spawned service reaches the cluster exactly as the load test does, and takes the other
  // service variables set here (EMAIL_RETRY_DELAYS_MS, LOG_LEVEL …); flags win.
  serviceEnv: serviceEnvFrom(process.env),
  signal: controller.signal,
  onProgress: ({ produced, settled, total }) => {
    if (bar) {
      if (!bar.isActive) bar.start(total, 0, { produced: 0 });
      return bar.update(settled, { produced });
    }
    if (settled === lastSettled || (Date.now() - lastLine < 5000 && settled < total)) return;
    lastLine = Date.now();
    lastSettled = settled;
    say(`${settled}/${total} settled, ${produced} produced`);
  },
  log: (line) => (bar?.isActive ? held.push(line) : say(line)),
}).finally(() => {
  if (bar?.isActive) bar.stop();
  held.forEach((line) => say(line));
});
if (local?.startedHere) await local.stop();

console.log(formatSummary(result));
if (flags.json) writeFileSync(flags.json, `${JSON.stringify(result, null, 2)}\n`);
process.exit(result.lost > 0 || result.timedOut ? 1 : 0);
