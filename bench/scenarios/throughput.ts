import path from 'node:path';

import { type Spread, spread } from '../../dev/loadtest/percentile.js';
import { measure, type Measurement } from '../measure.js';
import { transactionTimeMs } from '../transaction-time.js';
import { oursBuffer, startVariant, type VariantName } from '../variants.js';
import type { ScenarioContext } from './context.js';

export interface ThroughputCell {
  readonly latencyMs: number;
  readonly concurrency: number;
  /** Unloaded SMTP transaction time measured at this latency. */
  readonly wMs: number;
  readonly oursBuffer: number;
  readonly runs: Partial<Record<VariantName, Measurement[]>>;
  readonly rates: Partial<Record<VariantName, Spread>>;
}

/**
 * B0, B0pre, B1, B1′ and ours at each (L, C), alternating A B C D E A B C D E … so a drift in the machine's
 * load hits every variant alike. Every Kafka variant reads the same backlog from its beginning.
 */
export async function runThroughput(ctx: ScenarioContext): Promise<ThroughputCell[]> {
  const { options: o, sink, say } = ctx;
  const { topic, messages } = await ctx.backlog();
  const cells: ThroughputCell[] = [];
  for (const latencyMs of o.latencies) {
    await sink.setLatency(latencyMs);
    const wMs = await transactionTimeMs({ port: sink.port });
    say(`L=${latencyMs} ms: unloaded SMTP transaction W = ${wMs.toFixed(2)} ms`);
    for (const concurrency of o.concurrency) {
      const runs: Partial<Record<VariantName, Measurement[]>> = {};
      for (let r = 0; r < o.repeats; r += 1) {
        const line: string[] = [];
        for (const variant of o.variants) {
          const profileFile =
            o.cpuProf && variant === 'ours' ? path.join(ctx.profileDir, `ours-L${latencyMs}-C${concurrency}-r${r + 1}.cpuprofile`) : undefined;
          const m = await measure({
            sink,
            start: () => startVariant(variant, { brokers: ctx.brokers, topic, smtpPort: sink.port, concurrency, partitions: o.partitions }),
            warmupS: o.warmupS,
            windowS: o.windowS,
            backlog: variant === 'B0' ? undefined : messages,
            profileFile,
          });
          (runs[variant] ??= []).push(m);
          line.push(`${variant} ${m.rate.toFixed(0)}${m.backlogExhausted ? ' (backlog exhausted!)' : ''}`);
        }
        say(`L=${latencyMs} C=${concurrency} run ${r + 1}/${o.repeats}: ${line.join(', ')} msg/s`);
      }
      const rates = Object.fromEntries(Object.entries(runs).map(([k, ms]) => [k, spread(ms.map((m) => m.rate))]));
      cells.push({ latencyMs, concurrency, wMs, oursBuffer: oursBuffer(concurrency), runs, rates });
    }
  }
  return cells;
}
