import { setTimeout as sleep } from 'node:timers/promises';

import { type Spread, spread } from '../../dev/loadtest/percentile.js';
import { createBacklog } from '../backlog.js';
import { countingNoopMailer, ours } from '../variants.js';
import type { ScenarioContext } from './context.js';

export interface DrainResult {
  readonly messages: number;
  readonly concurrency: number;
  readonly buffer: number;
  readonly rates: Spread;
}

const CONCURRENCY = 50;
const BUFFER = 500;

/**
 * The real pipeline (fetch, admit, parse, render, settle, commit) with a mailer that returns at
 * once: what Kafka and the service's own bookkeeping cost per message. Rate = messages after the
 * first send / time from the first send to the last.
 */
export async function runDrain(ctx: ScenarioContext): Promise<DrainResult> {
  const { options: o, say } = ctx;
  const { topic, seconds } = await createBacklog({ brokers: ctx.brokers, messages: o.drainEvents, partitions: o.partitions, label: 'drain' });
  say(`drain backlog: ${o.drainEvents} messages produced in ${seconds.toFixed(1)} s`);
  const rates: number[] = [];
  for (let r = 0; r < o.repeats; r += 1) {
    const mailer = countingNoopMailer();
    const app = await ours(
      { brokers: ctx.brokers, topic, smtpPort: ctx.sink.port, concurrency: CONCURRENCY, partitions: o.partitions },
      { mailer, buffer: BUFFER },
    );
    try {
      const deadline = Date.now() + 600_000;
      while (mailer.sent === 0 && Date.now() < deadline) await sleep(2);
      const t0 = performance.now();
      const first = mailer.sent;
      while (mailer.sent < o.drainEvents && Date.now() < deadline) await sleep(5);
      rates.push((mailer.sent - first) / ((performance.now() - t0) / 1000));
    } finally {
      await app.stop();
    }
    say(`Kafka-only drain run ${r + 1}: ${rates.at(-1)?.toFixed(0)} msg/s`);
  }
  return { messages: o.drainEvents, concurrency: CONCURRENCY, buffer: BUFFER, rates: spread(rates) };
}
