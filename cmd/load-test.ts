/**
 * npm run load-test -- [options]
 *
 * Produces N sign-up events, lets the service deliver them to the load test's own SMTP sink, and
 * reconciles a ledger: every eventId must be delivered or dead-lettered. Prints produced /
 * delivered / dead-lettered / lost / duplicates, throughput, end-to-end latency p50/p95/p99 and the
 * service's peak RSS; exits 1 if anything was lost.
 *
 *   --events N            events to produce (10000)
 *   --rate N              events per second, 0 = as fast as possible (0)
 *   --event-bytes N       size of each event value (1500)
 *   --partitions N        partitions of the fresh topic (6)
 *   --workers N           EMAIL_WORKER_COUNT of the spawned service (50)
 *   --buffer N            EMAIL_WORKER_BUFFER of the spawned service (500)
 *   --sink-latency-ms N   SMTP sink reply latency (0)
 *   --transient-rate F    share of 4xx answers, 0..1 (0)
 *   --permanent-rate F    share of 5xx answers, 0..1 (0)
 *   --local               start (or reuse) the local Kafka broker (LOCAL_KAFKA_*) instead of KAFKA_BROKERS
 *   --no-spawn            do not start the service: one is already running against the sink on
 *                         --sink-port, consuming --topic and dead-lettering to --dlq-topic
 *   --sink-port N / --topic T / --dlq-topic T
 *   --timeout-s N         give up waiting after N seconds (600)
 *   --json FILE           also write the result as JSON
 *
 * Kafka connection (brokers, SASL, TLS) comes from the service's own variables (KAFKA_BROKERS,
 * KAFKA_SASL_*, KAFKA_SSL*), so it runs against a remote cluster as it does against the local one.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { ensureKafka, localKafkaOptionsFromEnv } from '../dev/local-kafka.js';
import { kafkaClientConfig } from '../src/app.js';
import { loadConfig } from '../src/platform/config.js';
import { createLogger } from '../src/platform/logger.js';
import { runLoadTest } from '../src/loadtest/run-load-test.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function fail(message: string): never {
  console.error(`load-test: ${message}`);
  process.exit(2);
}

const { values: f } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '0' },
    'event-bytes': { type: 'string', default: '1500' },
    partitions: { type: 'string', default: '6' },
    workers: { type: 'string', default: '50' },
    buffer: { type: 'string', default: '500' },
    'sink-latency-ms': { type: 'string', default: '0' },
    'transient-rate': { type: 'string', default: '0' },
    'permanent-rate': { type: 'string', default: '0' },
    local: { type: 'boolean', default: false },
    'no-spawn': { type: 'boolean', default: false },
    'sink-port': { type: 'string' },
    topic: { type: 'string' },
    'dlq-topic': { type: 'string' },
    'timeout-s': { type: 'string', default: '600' },
    json: { type: 'string' },
  },
});

function int(name: keyof typeof f, min: number): number {
  const n = Number(f[name]);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}, got ${String(f[name])}`);
  return n;
}
function share(name: keyof typeof f): number {
  const n = Number(f[name]);
  if (!(n >= 0 && n <= 1)) fail(`--${name} must be between 0 and 1, got ${String(f[name])}`);
  return n;
}

const events = int('events', 1);
if (f['no-spawn'] && (!f.topic || !f['dlq-topic'] || !f['sink-port'])) fail('--no-spawn needs --topic, --dlq-topic and --sink-port');

const controller = new AbortController();
process.once('SIGINT', () => controller.abort(new Error('interrupted')));

let brokers = process.env.KAFKA_BROKERS ?? '';
let stopKafka: (() => Promise<void>) | undefined;
if (f.local) {
  const kafka = await ensureKafka({ ...localKafkaOptionsFromEnv(process.env), log: (m) => console.error(`load-test: ${m}`) });
  brokers = kafka.brokers.join(',');
  stopKafka = () => kafka.stop();
}
if (!brokers) fail('set KAFKA_BROKERS or pass --local');
const config = loadConfig({ ...process.env, KAFKA_BROKERS: brokers, SMTP_HOST: process.env.SMTP_HOST || '127.0.0.1', EMAIL_FROM: process.env.EMAIL_FROM || 'load@load.test' });

const bar = process.stderr.isTTY
  ? new cliProgress.SingleBar({ format: 'load-test |{bar}| {settled}/{total} settled · {produced} produced · {eta_formatted} left', hideCursor: true }, cliProgress.Presets.shades_classic)
  : undefined;
bar?.start(events, 0, { produced: 0, settled: 0, total: events });

const result = await runLoadTest({
  kafka: kafkaClientConfig(config, createLogger({ level: 'warn' })),
  events,
  rate: int('rate', 0),
  partitions: int('partitions', 1),
  workers: int('workers', 1),
  buffer: int('buffer', 1),
  eventBytes: int('event-bytes', 300),
  timeoutMs: int('timeout-s', 1) * 1000,
  sink: { ...(f['sink-port'] ? { port: int('sink-port', 1) } : {}), latencyMs: int('sink-latency-ms', 0), transientRate: share('transient-rate'), permanentRate: share('permanent-rate') },
  spawnService: !f['no-spawn'],
  ...(f.topic ? { topic: f.topic } : {}),
  ...(f['dlq-topic'] ? { dlqTopic: f['dlq-topic'] } : {}),
  projectRoot: ROOT,
  signal: controller.signal,
  onProgress: ({ produced, settled, total }) => (bar ? bar.update(settled, { produced, settled, total }) : console.error(`load-test: ${settled}/${total} settled, ${produced} produced`)),
  log: (m) => (bar ? undefined : console.error(`load-test: ${m}`)),
});
bar?.stop();
await stopKafka?.();

const fmt = (n: number | undefined, unit = '') => (n === undefined ? '—' : `${Math.round(n).toLocaleString('en')}${unit}`);
const rows: Array<[string, string]> = [
  ['produced', fmt(result.produced)],
  ['delivered', fmt(result.delivered)],
  ['dead-lettered', fmt(result.deadLettered)],
  ['LOST', fmt(result.lost)],
  ['duplicates', fmt(result.duplicates)],
  ['wall time', `${result.seconds.toFixed(1)} s`],
  ['throughput (overall)', fmt(result.throughputPerSecond, ' msg/s')],
  ['throughput (median 1 s)', fmt(result.medianPerSecond, ' msg/s')],
  ['latency p50 / p95 / p99', `${fmt(result.latencyMs.p50, ' ms')} / ${fmt(result.latencyMs.p95, ' ms')} / ${fmt(result.latencyMs.p99, ' ms')}`],
  ['service peak RSS', fmt(result.peakRssMiB, ' MiB')],
];
const width = Math.max(...rows.map(([k]) => k.length));
console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
console.log(`per second: ${result.perSecond.join(' ')}`);
if (result.timedOut) console.log('timed out before every event settled');
if (f.json) writeFileSync(f.json, `${JSON.stringify(result, null, 2)}\n`);
process.exit(result.lost > 0 ? 1 : 0);
