import path from 'node:path';

import { type Spread, spread } from '../../dev/loadtest/percentile.js';
import { measure, type Measurement } from '../measure.js';
import { ours, oursBuffer } from '../variants.js';
import type { ScenarioContext } from './context.js';

export interface FaultsResult {
  readonly latencyMs: number;
  readonly concurrency: number;
  readonly buffer: number;
  readonly share: number;
  readonly warmupS: number;
  readonly windowS: number;
  readonly clean: Measurement[];
  readonly faulty: Measurement[];
  readonly cleanRate: Spread;
  readonly faultyRate: Spread;
}

/**
 * Ours with and without first-attempt 451s, alternating, on the same sink (both arms),
 * at C = 50 and L = 50 ms (or the first configured). A refused first attempt is retried after 1 s
 * (EMAIL_RETRY_DELAYS_MS) and accepted, so after the warm-up the sink accepts first attempts and
 * retries at the same time: the window measures that steady state.
 */
export async function runFaults(ctx: ScenarioContext): Promise<FaultsResult> {
  const { options: o, sink, say } = ctx;
  const concurrency = o.concurrency.includes(50) ? 50 : (o.concurrency[0] as number);
  const latencyMs = o.latencies.includes(50) ? 50 : (o.latencies[0] as number);
  const buffer = o.faultBuffer ?? oursBuffer(concurrency);
  // Retries start 1 s after the first refusals: give them time to reach their steady share.
  const warmupS = Math.max(o.warmupS, 4);
  const { topic, messages } = await ctx.backlog();
  await sink.setLatency(latencyMs);
  const clean: Measurement[] = [];
  const faulty: Measurement[] = [];
  for (let r = 0; r < o.repeats; r += 1) {
    for (const [share, into] of [
      [0, clean],
      [o.faultShare, faulty],
    ] as const) {
      await sink.setFirstAttemptFailures(share);
      const profileFile = o.cpuProf ? path.join(ctx.profileDir, `ours-faults-${share}-r${r + 1}.cpuprofile`) : undefined;
      into.push(
        await measure({
          sink,
          start: () => ours({ brokers: ctx.brokers, topic, smtpPort: sink.port, concurrency, partitions: o.partitions }, { buffer }),
          warmupS,
          windowS: o.windowS,
          backlog: messages,
          profileFile,
        }),
      );
    }
    say(
      `faults L=${latencyMs} C=${concurrency} buffer ${buffer} run ${r + 1}: clean ${clean.at(-1)?.rate.toFixed(0)}, ${o.faultShare * 100} % first-attempt 451 ${faulty.at(-1)?.rate.toFixed(0)} msg/s (${faulty.at(-1)?.rejectedPerSecond.toFixed(0)} refusals/s)`,
    );
  }
  await sink.setFirstAttemptFailures(0);
  return {
    latencyMs,
    concurrency,
    buffer,
    share: o.faultShare,
    warmupS,
    windowS: o.windowS,
    clean,
    faulty,
    cleanRate: spread(clean.map((m) => m.rate)),
    faultyRate: spread(faulty.map((m) => m.rate)),
  };
}
