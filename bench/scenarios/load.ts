import type { Percentiles } from '../../dev/loadtest/percentile.js';
import { type LoadTestResult, runLoadTest } from '../../dev/loadtest/run-load-test.js';
import type { ScenarioContext } from './context.js';

/** One load-test run through the compiled service (dist/, no TypeScript loader) spawned as a child. */
export function loadTestRun(
  ctx: ScenarioContext,
  { events, rate, latencyMs, workers, buffer }: { events: number; rate: number; latencyMs: number; workers: number; buffer: number },
): Promise<LoadTestResult> {
  let last = 0;
  return runLoadTest({
    kafka: { brokers: [...ctx.brokers] },
    events,
    rate,
    eventBytes: 1_500,
    users: 100_000,
    partitions: ctx.options.partitions,
    topic: undefined,
    dlqTopic: undefined,
    smtp: { kind: 'sink', port: 0, latencyMs, transientRate: 0, permanentRate: 0 },
    service: { kind: 'spawn', workers, buffer, entry: 'dist', nodeArgs: [], groupId: undefined },
    timeoutMs: Math.max(600_000, events * 10),
    projectRoot: ctx.projectRoot,
    onProgress: ({ settled, total }) => {
      if (Date.now() - last < 30_000) return;
      last = Date.now();
      ctx.say(`  ${settled}/${total} settled`);
    },
  });
}

export interface LatencyResult {
  readonly latencyMs: number;
  readonly concurrency: number;
  readonly rate: number;
  readonly events: number;
  readonly endToEndMs: Percentiles;
  readonly lost: number;
  readonly steadyPerSecond: number | undefined;
}

/**
 * End-to-end latency (produced → accepted by the sink) at a steady offered load below capacity,
 * per SMTP latency L, C = 50: what a sign-up waits for its welcome email when the service keeps up.
 */
export async function runLatency(ctx: ScenarioContext): Promise<LatencyResult[]> {
  const { options: o, say } = ctx;
  const out: LatencyResult[] = [];
  for (const latencyMs of o.latencies) {
    const events = o.latencyRate * o.latencySeconds;
    const r = await loadTestRun(ctx, { events, rate: o.latencyRate, latencyMs, workers: 50, buffer: 200 });
    say(`latency L=${latencyMs} at ${o.latencyRate}/s: p50 ${r.latencyMs.p50} / p95 ${r.latencyMs.p95} / p99 ${r.latencyMs.p99} ms, lost ${r.lost}`);
    out.push({ latencyMs, concurrency: 50, rate: o.latencyRate, events, endToEndMs: r.latencyMs, lost: r.lost, steadyPerSecond: r.steadyPerSecond });
  }
  return out;
}

export interface MemoryResult {
  readonly events: number;
  readonly workers: number;
  readonly buffer: number;
  readonly latencyMs: number;
  readonly peakRssMiB: number | undefined;
  readonly heapUsedMiB: LoadTestResult['memory']['heapUsedMiB'];
  /** Every 5th sample: seconds, RSS and heap in use (MiB). */
  readonly samples: LoadTestResult['memory']['samples'];
  readonly lost: number;
  readonly duplicates: number;
  readonly seconds: number;
  readonly throughputPerSecond: number;
  readonly produceSeconds: number;
}

/** A big backlog (produced as fast as possible while the service drains it) for peak RSS and heap. */
export async function runMemory(ctx: ScenarioContext): Promise<MemoryResult> {
  const { options: o, say } = ctx;
  const [workers, buffer, latencyMs] = [50, 500, 0];
  say(`memory: ${o.memoryEvents} events through the spawned service (C=${workers}, buffer ${buffer}, L=${latencyMs})…`);
  const r = await loadTestRun(ctx, { events: o.memoryEvents, rate: 0, latencyMs, workers, buffer });
  say(
    `memory: peak RSS ${r.memory.peakRssMiB?.toFixed(0)} MiB, heap ${r.memory.heapUsedMiB.early?.toFixed(0)} → ${r.memory.heapUsedMiB.late?.toFixed(0)} MiB, lost ${r.lost}, ${r.throughputPerSecond.toFixed(0)} msg/s`,
  );
  return {
    events: o.memoryEvents,
    workers,
    buffer,
    latencyMs,
    peakRssMiB: r.memory.peakRssMiB,
    heapUsedMiB: r.memory.heapUsedMiB,
    samples: r.memory.samples.filter((_, i) => i % 5 === 0),
    lost: r.lost,
    duplicates: r.duplicates,
    seconds: r.seconds,
    throughputPerSecond: r.throughputPerSecond,
    produceSeconds: r.produceSeconds,
  };
}
