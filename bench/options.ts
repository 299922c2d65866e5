import { parseArgs } from 'node:util';

import { type VariantName, VARIANTS } from './variants.js';

export const SCENARIOS = ['throughput', 'faults', 'drain', 'latency', 'memory'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface BenchOptions {
  readonly quick: boolean;
  readonly scenarios: readonly Scenario[];
  readonly latencies: readonly number[];
  readonly concurrency: readonly number[];
  readonly variants: readonly VariantName[];
  readonly partitions: number;
  readonly repeats: number;
  readonly warmupS: number;
  readonly windowS: number;
  /** Messages in the shared backlog topic; 0 = sized from the window. */
  readonly backlog: number;
  readonly faultShare: number;
  readonly faultBuffer: number | undefined;
  readonly drainEvents: number;
  readonly latencyRate: number;
  readonly latencySeconds: number;
  readonly memoryEvents: number;
  readonly cpuProf: boolean;
  readonly out: string;
}

export const BENCH_USAGE = `usage: npm run bench -- [--quick] [--scenarios ${SCENARIOS.join(',')}] [options]
  --latencies 0,50          SMTP sink latencies L in ms
  --concurrency 10,50,200   concurrencies C
  --variants B0,B0pre,B1,B1',ours   (B0pre: B0 with each message composed before it takes a connection)
  --repeats N               alternating runs per cell (3; quick 1)
  --warmup-s N --window-s N seconds after the first delivery, and measured (3/20; quick 2/5)
  --backlog N               messages in the shared backlog (sized from the window when 0)
  --fault-share F           first-attempt 451 share (0.1)   --fault-buffer N  ours' buffer there (4 × C)
  --drain-events N          Kafka-only drain backlog (200000; quick 30000)
  --latency-rate N --latency-seconds N  load for the latency percentiles (300/s for 20 s; quick 5 s)
  --memory-events N         big-backlog drain through the spawned service (1000000; quick 30000)
  --cpu-prof                CPU profile of every ours window (.local/bench/*.cpuprofile) with a top list
  --out FILE                results JSON (bench/results/latest.json)`;

const list = (raw: string, what: string): number[] =>
  raw.split(',').map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${what} expects comma-separated integers, got "${raw}"`);
    return n;
  });

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values: f } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      scenarios: { type: 'string', default: SCENARIOS.join(',') },
      latencies: { type: 'string', default: '0,50' },
      concurrency: { type: 'string' },
      variants: { type: 'string', default: VARIANTS.join(',') },
      partitions: { type: 'string', default: '6' },
      repeats: { type: 'string' },
      'warmup-s': { type: 'string' },
      'window-s': { type: 'string' },
      backlog: { type: 'string', default: '0' },
      'fault-share': { type: 'string', default: '0.1' },
      'fault-buffer': { type: 'string' },
      'drain-events': { type: 'string' },
      'latency-rate': { type: 'string', default: '300' },
      'latency-seconds': { type: 'string' },
      'memory-events': { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench/results/latest.json' },
    },
  });
  const quick = f.quick;
  const int = (raw: string | undefined, fallback: number, what: string): number => {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${what} expects an integer >= 0, got "${raw}"`);
    return n;
  };
  const scenarios = f.scenarios.split(',').map((s) => {
    if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`--scenarios: unknown "${s}" (${SCENARIOS.join(', ')})`);
    return s as Scenario;
  });
  const variants = f.variants.split(',').map((v) => {
    if (!(VARIANTS as readonly string[]).includes(v)) throw new Error(`--variants: unknown "${v}" (${VARIANTS.join(', ')})`);
    return v as VariantName;
  });
  const faultShare = Number(f['fault-share']);
  if (!(faultShare >= 0 && faultShare <= 1)) throw new Error(`--fault-share expects 0..1, got "${f['fault-share']}"`);
  return {
    quick,
    scenarios,
    latencies: list(f.latencies, 'latencies'),
    concurrency: list(f.concurrency ?? (quick ? '10,50' : '10,50,200'), 'concurrency'),
    variants,
    partitions: int(f.partitions, 6, 'partitions'),
    repeats: Math.max(1, int(f.repeats, quick ? 1 : 3, 'repeats')),
    warmupS: int(f['warmup-s'], quick ? 2 : 3, 'warmup-s'),
    windowS: Math.max(1, int(f['window-s'], quick ? 5 : 20, 'window-s')),
    backlog: int(f.backlog, 0, 'backlog'),
    faultShare,
    faultBuffer: f['fault-buffer'] === undefined ? undefined : int(f['fault-buffer'], 0, 'fault-buffer'),
    drainEvents: int(f['drain-events'], quick ? 30_000 : 200_000, 'drain-events'),
    latencyRate: Math.max(1, int(f['latency-rate'], 300, 'latency-rate')),
    latencySeconds: Math.max(1, int(f['latency-seconds'], quick ? 5 : 20, 'latency-seconds')),
    memoryEvents: Math.max(1, int(f['memory-events'], quick ? 30_000 : 1_000_000, 'memory-events')),
    cpuProf: f['cpu-prof'],
    out: f.out,
  };
}
