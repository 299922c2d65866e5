import { parseArgs } from 'node:util';

export interface ScaleOptions {
  /** Checkout whose cmd/service.ts each member runs. */
  readonly serviceRoot: string;
  readonly partitions: number;
  /** Events kept waiting in the topic (topped up as the group sends). */
  readonly backlog: number;
  /** SMTP sink delay before it answers the end of DATA. */
  readonly latencyMs: number;
  readonly workers: number;
  readonly buffer: number;
  /** Group sizes in order, e.g. 1,2,3,2,1: each step is one scale event. */
  readonly members: readonly number[];
  /** Steady sending with the first size before the first event. */
  readonly warmupS: number;
  /** Each event's window lasts at least this long … */
  readonly minEventS: number;
  /** … and this long after the group settled (newcomer sending / leaver gone, every member rejoined) … */
  readonly settleS: number;
  /** … but no longer than this. */
  readonly maxEventS: number;
  readonly out: string;
}

export interface SigkillOptions {
  readonly serviceRoot: string;
  readonly partitions: number;
  readonly kills: number;
  readonly latencyMs: number;
  readonly workers: number;
  readonly buffer: number;
  /** Seconds of sending (after the restarted instance's first send) before each SIGKILL; up to 1 s is added at random. */
  readonly runS: number;
  /** Events in the topic; 0 = sized from kills × runS at `expectedRate`. */
  readonly backlog: number;
  readonly expectedRate: number;
  /** Which arms: without the Redis sent ledger, with it, or both. */
  readonly ledger: 'off' | 'on' | 'both';
  /** KAFKA_SESSION_TIMEOUT_MS of the members: how long a restart waits for the killed member to leave. */
  readonly sessionTimeoutMs: number;
  /** IDEMPOTENCY_LEASE_MS: how long a killed send's claim blocks its event; 0 = the service's default. */
  readonly leaseMs: number;
  readonly smtpTimeoutMs: number;
  readonly drainTimeoutS: number;
  readonly out: string;
}

const SERVICE_ROOT_HELP = '--service-root DIR        checkout whose cmd/service.ts runs (default: this one), e.g. a worktree of an older commit';

export const SCALE_USAGE = `usage: npm run bench:scale -- [options]
  ${SERVICE_ROOT_HELP}
  --members 1,2,3,2,1       group sizes in order; each change is one scale event (new members join, the newest leave by SIGTERM)
  --partitions 36 --backlog 6000   topic partitions, events kept waiting (topped up)
  --latency-ms 150          SMTP sink latency
  --workers 10 --buffer 100 EMAIL_WORKER_COUNT, EMAIL_WORKER_BUFFER of each member
  --warmup-s 15             steady sending before the first event
  --min-event-s 20 --settle-s 10 --max-event-s 90   window of each event
  --out FILE                results JSON (bench/results/scale-events.json); the table goes next to it (.md)`;

export const SIGKILL_USAGE = `usage: npm run bench:sigkill -- [options]
  ${SERVICE_ROOT_HELP}
  --kills 5                 SIGKILLs per arm (each followed by a restart)
  --ledger both|off|on      arms: without the Redis sent ledger, with it (needs redis-server), or both
  --latency-ms 10 --workers 50 --buffer 100   SMTP sink latency, EMAIL_WORKER_COUNT, EMAIL_WORKER_BUFFER
  --run-s 8                 seconds of sending before each kill (plus up to 1 s at random)
  --partitions 6 --backlog 0 --expected-rate 1000   backlog 0 = sized from kills × run-s at the expected rate
  --session-timeout-ms 10000   KAFKA_SESSION_TIMEOUT_MS: how long a restart waits for the killed member's session
  --lease-ms 0 --smtp-timeout-ms 10000   IDEMPOTENCY_LEASE_MS (0 = the service's default; a killed send's claim expires one lease after its last renewal) and SMTP_TIMEOUT_MS
  --drain-timeout-s 180     after the last restart, wait this long for every event
  --out FILE                results JSON (bench/results/sigkill-duplicates.json); the table goes next to it (.md)`;

function int(raw: string | undefined, fallback: number, what: string, min = 0): number {
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${what} expects an integer >= ${min}, got "${raw}"`);
  return n;
}

export function parseScaleArgs(argv: readonly string[], defaultServiceRoot: string): ScaleOptions {
  const { values: f } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      'service-root': { type: 'string' },
      partitions: { type: 'string' },
      backlog: { type: 'string' },
      'latency-ms': { type: 'string' },
      workers: { type: 'string' },
      buffer: { type: 'string' },
      members: { type: 'string', default: '1,2,3,2,1' },
      'warmup-s': { type: 'string' },
      'min-event-s': { type: 'string' },
      'settle-s': { type: 'string' },
      'max-event-s': { type: 'string' },
      out: { type: 'string', default: 'bench/results/scale-events.json' },
    },
  });
  const members = f.members.split(',').map((s) => int(s, 0, 'members', 1));
  if (members.length < 2) throw new Error(`--members needs at least two sizes, got "${f.members}"`);
  members.forEach((n, i) => {
    if (i > 0 && n === members[i - 1]) throw new Error(`--members: consecutive sizes must differ, got "${f.members}"`);
  });
  const workers = int(f.workers, 10, 'workers', 1);
  const buffer = int(f.buffer, 100, 'buffer', 1);
  if (buffer < workers) throw new Error(`--buffer must be >= --workers (${workers}), got ${buffer}`);
  const minEventS = int(f['min-event-s'], 20, 'min-event-s', 1);
  const maxEventS = int(f['max-event-s'], 90, 'max-event-s', 1);
  if (maxEventS < minEventS) throw new Error(`--max-event-s must be >= --min-event-s (${minEventS}), got ${maxEventS}`);
  return {
    serviceRoot: f['service-root'] ?? defaultServiceRoot,
    partitions: int(f.partitions, 36, 'partitions', 1),
    backlog: int(f.backlog, 6_000, 'backlog', 1),
    latencyMs: int(f['latency-ms'], 150, 'latency-ms'),
    workers,
    buffer,
    members,
    warmupS: int(f['warmup-s'], 15, 'warmup-s'),
    minEventS,
    settleS: int(f['settle-s'], 10, 'settle-s'),
    maxEventS,
    out: f.out,
  };
}

export function parseSigkillArgs(argv: readonly string[], defaultServiceRoot: string): SigkillOptions {
  const { values: f } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      'service-root': { type: 'string' },
      partitions: { type: 'string' },
      kills: { type: 'string' },
      'latency-ms': { type: 'string' },
      workers: { type: 'string' },
      buffer: { type: 'string' },
      'run-s': { type: 'string' },
      backlog: { type: 'string' },
      'expected-rate': { type: 'string' },
      ledger: { type: 'string', default: 'both' },
      'session-timeout-ms': { type: 'string' },
      'lease-ms': { type: 'string' },
      'smtp-timeout-ms': { type: 'string' },
      'drain-timeout-s': { type: 'string' },
      out: { type: 'string', default: 'bench/results/sigkill-duplicates.json' },
    },
  });
  if (f.ledger !== 'off' && f.ledger !== 'on' && f.ledger !== 'both') throw new Error(`--ledger expects off, on or both, got "${f.ledger}"`);
  const workers = int(f.workers, 50, 'workers', 1);
  const buffer = int(f.buffer, 100, 'buffer', 1);
  if (buffer < workers) throw new Error(`--buffer must be >= --workers (${workers}), got ${buffer}`);
  const smtpTimeoutMs = int(f['smtp-timeout-ms'], 10_000, 'smtp-timeout-ms', 1);
  const leaseMs = int(f['lease-ms'], 0, 'lease-ms');
  return {
    serviceRoot: f['service-root'] ?? defaultServiceRoot,
    partitions: int(f.partitions, 6, 'partitions', 1),
    kills: int(f.kills, 5, 'kills', 1),
    latencyMs: int(f['latency-ms'], 10, 'latency-ms'),
    workers,
    buffer,
    runS: int(f['run-s'], 8, 'run-s', 1),
    backlog: int(f.backlog, 0, 'backlog'),
    expectedRate: int(f['expected-rate'], 1_000, 'expected-rate', 1),
    ledger: f.ledger,
    sessionTimeoutMs: int(f['session-timeout-ms'], 10_000, 'session-timeout-ms', 1),
    leaseMs,
    smtpTimeoutMs,
    drainTimeoutS: int(f['drain-timeout-s'], 180, 'drain-timeout-s', 1),
    out: f.out,
  };
}

/**
 * Events for a SIGKILL arm: each cycle sends for `runS` (+ ≤ 1 s) after a restart that itself takes
 * a few seconds, then the last restart drains the rest; 50 % headroom so no kill finds the topic empty.
 */
export function sigkillBacklog(o: Pick<SigkillOptions, 'backlog' | 'kills' | 'runS' | 'expectedRate'>): number {
  return o.backlog || Math.ceil(o.expectedRate * o.kills * (o.runS + 1) * 1.5);
}
