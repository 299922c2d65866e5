import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { startCpuProfile } from './profile.js';
import type { SinkThread } from './sink-thread.js';
import type { Running } from './variants.js';

const ELD_RESOLUTION_MS = 5;
const excess = (ns: number) => Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS);

export interface Measurement {
  /** Emails accepted by the sink per second over the window. */
  readonly rate: number;
  /** SMTP transactions the sink refused per second over the window (injected 4xx). */
  readonly rejectedPerSecond: number;
  /** SMTP connections opened during the window (0 = the pool reused its connections). */
  readonly connectionsOpened: number;
  /** Event-loop delay of the thread running the variant, over the window. */
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Ours only: offset commits per second over the window. */
  readonly commitsPerSecond: number | undefined;
  /** The variant read its whole backlog before the window closed: the figure is not steady state. */
  readonly backlogExhausted: boolean;
  readonly cpuProfile: string | undefined;
}

export interface MeasureOptions {
  readonly sink: SinkThread;
  readonly start: () => Promise<Running>;
  /** After the first delivery, before the window opens. */
  readonly warmupS: number;
  readonly windowS: number;
  /** Messages in the topic (Kafka variants): reaching it flags the run. */
  readonly backlog: number | undefined;
  /** Write a CPU profile of the window here. */
  readonly profileFile?: string | undefined;
}

/**
 * Steady-state throughput of one variant: start it, wait for its first delivery, let it warm up,
 * then count what the sink accepts over a fixed window. The variant is stopped (and its late
 * deliveries drained) before this returns, so the next run starts from a quiet sink.
 */
export async function measure(o: MeasureOptions): Promise<Measurement> {
  const c0 = o.sink.counts();
  const running = await o.start();
  try {
    const deadline = Date.now() + 60_000;
    while (o.sink.counts().accepted === c0.accepted) {
      if (Date.now() > deadline) throw new Error('no delivery within 60 s of starting the variant');
      await sleep(10);
    }
    await sleep(o.warmupS * 1000);
    // The histogram records each tick's interval, resolution included: subtracted below.
    const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
    const profile = o.profileFile ? await startCpuProfile() : undefined;
    eld.enable();
    const svc1 = await running.counters?.();
    const c1 = o.sink.counts();
    const t1 = performance.now();
    await sleep(o.windowS * 1000);
    const c2 = o.sink.counts();
    const seconds = (performance.now() - t1) / 1000;
    const svc2 = await running.counters?.();
    eld.disable();
    await profile?.stop(o.profileFile as string);
    const total = c2.accepted - c0.accepted;
    return {
      rate: (c2.accepted - c1.accepted) / seconds,
      rejectedPerSecond: (c2.rejected - c1.rejected) / seconds,
      connectionsOpened: c2.connections - c1.connections,
      eventLoopDelayMs: { p50: excess(eld.percentile(50)), p99: excess(eld.percentile(99)), max: excess(eld.max) },
      commitsPerSecond: svc1 && svc2 ? (svc2.commits - svc1.commits) / seconds : undefined,
      backlogExhausted: o.backlog !== undefined && total >= o.backlog * 0.99,
      cpuProfile: o.profileFile ? path.relative(process.cwd(), o.profileFile) : undefined,
    };
  } finally {
    await running.stop();
    // Sends already on the wire finish within a latency or two; let them land before the next run.
    await sleep(300);
  }
}
