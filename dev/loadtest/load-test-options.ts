import { parseArgs } from 'node:util';

import { attachNegativeValues } from '../../src/platform/cli-args.js';

/** Where the mail goes: the load test's own SMTP sink, or a real server it cannot see into. */
export type SmtpTarget =
  | { readonly kind: 'sink'; readonly port: number; readonly latencyMs: number; readonly transientRate: number; readonly permanentRate: number }
  | { readonly kind: 'external'; readonly host: string; readonly port: number; readonly expectDelivered: number | undefined };

/** The service under test: started here as a child process, or already running somewhere. */
export type ServiceTarget =
  | {
      readonly kind: 'spawn';
      readonly workers: number;
      readonly buffer: number;
      readonly entry: 'source' | 'dist';
      readonly nodeArgs: readonly string[];
      /** Undefined with fresh topics: a fresh group. */
      readonly groupId: string | undefined;
    }
  | { readonly kind: 'running'; readonly groupId: string; readonly metricsUrl: string | undefined };

export interface LoadTestFlags {
  readonly events: number;
  /** Events per second; 0 = as fast as possible. */
  readonly rate: number;
  readonly eventBytes: number;
  readonly users: number;
  readonly partitions: number;
  /** Existing topics; undefined = fresh ones for this run (only with a spawned service). */
  readonly topic: string | undefined;
  readonly dlqTopic: string | undefined;
  readonly smtp: SmtpTarget;
  readonly service: ServiceTarget;
  readonly local: boolean;
  readonly timeoutMs: number;
  readonly json: string | undefined;
}

export class UsageError extends Error {
  readonly code = 'ERR_USAGE';
}

export const USAGE = `usage: npm run load-test -- [--local] [--spawn-service] [options]
  --events N             events to produce (10000)
  --rate N               events per second, 0 = as fast as possible (0)
  --event-bytes N        size of each event value, 300..100000 (1500)
  --users N              distinct keys (user ids) the events spread over (100000)
  --partitions N         partitions of the fresh topics (6)
  --topic T --dlq-topic T  use existing topics (default: fresh ones; a running service: KAFKA_TOPIC / KAFKA_DLQ_TOPIC)
  --spawn-service        start the service as a child process (peak RSS from /proc VmHWM)
    --workers N --buffer N  its EMAIL_WORKER_COUNT (50) and EMAIL_WORKER_BUFFER (500)
    --service-entry source|dist  cmd/service.ts through tsx, or dist/cmd/service.js after npm run build (source)
    --cpu-prof           run it with node --cpu-prof (profile in .local/load-test/)
  --group G              a running service's consumer group (KAFKA_GROUP_ID or email-dispatcher)
  --metrics-url URL      a running service's /metrics, for RSS and heap
  --sink-port N          port of the load test's SMTP sink (0 = any; a running service must point at it)
  --sink-latency-ms N    the sink's reply latency (0)
  --transient-rate F     share of transactions answered 451 (0..1, 0)
  --permanent-rate F     share of transactions answered 550 (0..1, 0)
  --smtp-host H --smtp-port N  an external SMTP server instead of the sink (DLQ-only reconciliation)
  --expect-delivered N   with an external server: how many it reports delivered
  --local                start or reuse the local Kafka broker (LOCAL_KAFKA_*) instead of KAFKA_BROKERS
  --timeout-s N          give up waiting after N seconds (600)
  --json FILE            also write the result as JSON`;

const OPTIONS = {
  events: { type: 'string', default: '10000' },
  rate: { type: 'string', default: '0' },
  'event-bytes': { type: 'string', default: '1500' },
  users: { type: 'string', default: '100000' },
  partitions: { type: 'string', default: '6' },
  topic: { type: 'string' },
  'dlq-topic': { type: 'string' },
  'spawn-service': { type: 'boolean', default: false },
  workers: { type: 'string', default: '50' },
  buffer: { type: 'string', default: '500' },
  'service-entry': { type: 'string', default: 'source' },
  'cpu-prof': { type: 'boolean', default: false },
  group: { type: 'string' },
  'metrics-url': { type: 'string' },
  'sink-port': { type: 'string', default: '0' },
  'sink-latency-ms': { type: 'string', default: '0' },
  'transient-rate': { type: 'string', default: '0' },
  'permanent-rate': { type: 'string', default: '0' },
  'smtp-host': { type: 'string' },
  'smtp-port': { type: 'string', default: '25' },
  'expect-delivered': { type: 'string' },
  local: { type: 'boolean', default: false },
  'timeout-s': { type: 'string', default: '600' },
  json: { type: 'string' },
} as const;

/** Parses and validates the command line; throws UsageError naming the flag. */
export function parseLoadTestArgs(argv: readonly string[], env: NodeJS.ProcessEnv): LoadTestFlags {
  let values;
  try {
    ({ values } = parseArgs({ args: attachNegativeValues(argv, OPTIONS), strict: true, options: OPTIONS }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const int = (name: keyof typeof values, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = String(values[name]);
    const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    return n;
  };
  const share = (name: 'transient-rate' | 'permanent-rate'): number => {
    const n = Number(values[name]);
    if (!(n >= 0 && n <= 1)) throw new UsageError(`--${name} must be a number from 0 to 1, got "${values[name]}"`);
    return n;
  };
  // General flags first, so a bad value is named before any combination rule trips.
  const basics = {
    events: int('events', 1),
    rate: int('rate', 0),
    eventBytes: int('event-bytes', 300, 100_000),
    users: int('users', 1),
    partitions: int('partitions', 1, 10_000),
    timeoutMs: int('timeout-s', 1) * 1000,
  };
  const entry = values['service-entry'];
  if (entry !== 'source' && entry !== 'dist') throw new UsageError(`--service-entry must be source or dist, got "${entry}"`);
  const spawn = values['spawn-service'];
  const external = values['smtp-host'] !== undefined;

  const smtp: SmtpTarget = external
    ? {
        kind: 'external',
        host: values['smtp-host'] as string,
        port: int('smtp-port', 1, 65_535),
        expectDelivered: values['expect-delivered'] === undefined ? undefined : int('expect-delivered', 0),
      }
    : {
        kind: 'sink',
        port: int('sink-port', 0, 65_535),
        latencyMs: int('sink-latency-ms', 0, 600_000),
        transientRate: share('transient-rate'),
        permanentRate: share('permanent-rate'),
      };
  if (smtp.kind === 'sink' && smtp.transientRate + smtp.permanentRate > 1) throw new UsageError('--transient-rate plus --permanent-rate must not exceed 1');
  if (!external && values['expect-delivered'] !== undefined)
    throw new UsageError('--expect-delivered only applies with --smtp-host (the sink counts deliveries itself)');
  if (!spawn && smtp.kind === 'sink' && smtp.port === 0)
    throw new UsageError('a running service must send to the sink: pass --sink-port (the port its SMTP_PORT names), or --spawn-service');

  const service: ServiceTarget = spawn
    ? {
        kind: 'spawn',
        workers: int('workers', 1, 10_000),
        buffer: int('buffer', 1, 1_000_000),
        entry,
        nodeArgs: values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir=.local/load-test'] : [],
        groupId: values.group ?? (values.topic === undefined ? undefined : (env.KAFKA_GROUP_ID ?? 'email-dispatcher')),
      }
    : { kind: 'running', groupId: values.group ?? env.KAFKA_GROUP_ID ?? 'email-dispatcher', metricsUrl: values['metrics-url'] };
  if (service.kind === 'spawn' && service.buffer < service.workers)
    throw new UsageError(`--buffer must be >= --workers (${service.workers}), got ${service.buffer}`);
  if (spawn && values['metrics-url'] !== undefined) throw new UsageError('--metrics-url is for a running service; a spawned one is measured from /proc');

  const topic = values.topic ?? (spawn ? undefined : (env.KAFKA_TOPIC ?? 'user-signups'));
  const dlqTopic = values['dlq-topic'] ?? (topic === undefined ? undefined : (env.KAFKA_DLQ_TOPIC ?? `${topic}.dlq`));
  return { ...basics, topic, dlqTopic, smtp, service, local: values.local, json: values.json };
}
