import type { Admin, Kafka } from 'kafkajs';

import { DLQ_HEADERS } from '../../src/settle/publish/dlq-message.js';

/** The eventId inside a DLQ record's value (the original event, as consumed). */
export function dlqEventId(value: Buffer | null | undefined): string | undefined {
  if (!value || value.length === 0) return undefined;
  const text = value.toString('utf8');
  try {
    const parsed = JSON.parse(text) as { eventId?: unknown };
    if (typeof parsed.eventId === 'string') return parsed.eventId;
  } catch {
    // Not JSON (an invalid event): fall back to a plain search below.
  }
  return /"eventId"\s*:\s*"([^"\\]{1,128})"/.exec(text)?.[1];
}

export interface DlqWatch {
  /** True once every partition was read up to the end offsets it had when `caughtUp` was called. */
  caughtUp(): Promise<boolean>;
  stop(): Promise<void>;
}

export interface DlqWatchOptions {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly topic: string;
  readonly groupId: string;
  /** Read the whole topic (a fresh DLQ); otherwise start at its end as it is now (a shared, long-lived DLQ). */
  readonly fromBeginning: boolean;
  readonly onRecord: (record: { eventId: string | undefined; reason: string; at: number }) => void;
}

/**
 * Reads the DLQ topic with a throwaway group that never commits, reporting each record's eventId and
 * `dlq.reason` header. Resolves once the consumer runs; positions of a long-lived DLQ are set before
 * the first fetch, so records of this run are never skipped.
 */
export async function watchDlq(o: DlqWatchOptions): Promise<DlqWatch> {
  const start = o.fromBeginning ? undefined : await o.admin.fetchTopicOffsets(o.topic);
  const consumer = o.kafka.consumer({ groupId: o.groupId, maxWaitTimeInMs: 250 });
  const next = new Map<number, bigint>();
  await consumer.connect();
  await consumer.subscribe({ topic: o.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        const reason = message.headers?.[DLQ_HEADERS.reason];
        o.onRecord({
          eventId: dlqEventId(message.value),
          reason: reason === undefined ? 'unknown' : String(Array.isArray(reason) ? reason[0] : reason),
          at: Date.now(),
        });
        next.set(batch.partition, BigInt(message.offset) + 1n);
      }
    },
  });
  for (const p of start ?? []) {
    consumer.seek({ topic: o.topic, partition: p.partition, offset: p.offset });
    next.set(p.partition, BigInt(p.offset));
  }
  return {
    async caughtUp() {
      const ends = await o.admin.fetchTopicOffsets(o.topic);
      return ends.every((p) => BigInt(p.high) <= (next.get(p.partition) ?? BigInt(p.low)));
    },
    async stop() {
      await consumer.disconnect().catch(() => {});
    },
  };
}

/** Messages of `topic` not yet committed by `groupId` (a partition without a commit counts whole). */
export async function committedLag(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const ends = await admin.fetchTopicOffsets(topic);
  let lag = 0;
  for (const end of ends) {
    const c = committed?.partitions.find((p) => p.partition === end.partition);
    const at = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(end.low);
    lag += Math.max(0, Number(end.high) - at);
  }
  return lag;
}
