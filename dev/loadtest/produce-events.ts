import type { Producer } from 'kafkajs';

import { sleep } from '../../src/platform/sleep.js';
import { signupFixture } from './signup-fixture.js';

export interface ProduceOptions {
  readonly producer: Producer;
  readonly topic: string;
  readonly runId: string;
  readonly count: number;
  /** Events per second; 0 = as fast as the producer is acknowledged. */
  readonly rate: number;
  readonly eventBytes: number;
  /** Distinct keys (user ids) the events are spread over. */
  readonly users: number;
  /** First event index (a backlog produced in several calls). @default 0 */
  readonly from?: number;
  /** Called with each batch's eventIds just *before* it is sent, with that time. */
  readonly onSending?: (eventIds: readonly string[], at: number) => void;
  readonly onSent?: (produced: number) => void;
  readonly signal?: AbortSignal;
}

/** Batch size: a tenth of a second of events at the target rate, at most 500 per request. */
export function batchSize(rate: number): number {
  return rate > 0 ? Math.max(1, Math.min(500, Math.floor(rate / 10))) : 500;
}

/**
 * Produces `count` sign-up events with acks=all. At a target rate each batch is sent on a schedule
 * from the start (`i / rate` seconds), so a slow request is caught up rather than drifting.
 */
export async function produceEvents(o: ProduceOptions): Promise<{ seconds: number }> {
  const size = batchSize(o.rate);
  const started = performance.now();
  const from = o.from ?? 0;
  for (let i = 0; i < o.count; i += size) {
    o.signal?.throwIfAborted();
    if (o.rate > 0) {
      const due = started + (i / o.rate) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait, o.signal);
    }
    const batch = Array.from({ length: Math.min(size, o.count - i) }, (_, j) => signupFixture(o.runId, from + i + j, { bytes: o.eventBytes, users: o.users }));
    o.onSending?.(
      batch.map((e) => e.eventId),
      Date.now(),
    );
    await o.producer.send({ topic: o.topic, acks: -1, messages: batch.map(({ key, value }) => ({ key, value })) });
    o.onSent?.(i + batch.length);
  }
  return { seconds: (performance.now() - started) / 1000 };
}
