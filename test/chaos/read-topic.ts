import { randomUUID } from 'node:crypto';

import type { Kafka } from 'kafkajs';

import { withDeadline } from '../../dev/kafka/with-deadline.js';

export interface TopicRecord {
  readonly partition: number;
  readonly offset: bigint;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Reads a whole topic, with read_committed isolation (KafkaJS's default), up to its end offsets at
 * the time of the call, with a throwaway group that never commits. The position of each partition is
 * taken from KafkaJS's end-of-batch event, which also fires for batches of transaction markers and
 * aborted records only (never handed to eachBatch): a transactional topic ends with a marker, and
 * a reader that only counted records would wait for ever.
 */
export async function readTopic(kafka: Kafka, topic: string, { timeoutMs = 60_000 }: { timeoutMs?: number } = {}): Promise<TopicRecord[]> {
  const admin = kafka.admin();
  const consumer = kafka.consumer({ groupId: `chaos-reader-${randomUUID().slice(0, 8)}`, maxWaitTimeInMs: 200 });
  const records: TopicRecord[] = [];
  const next = new Map<number, bigint>();
  try {
    await admin.connect();
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, { low: BigInt(p.low), high: BigInt(p.high) }]));
    const done = (): boolean => [...ends].every(([partition, { low, high }]) => (next.get(partition) ?? low) >= high);
    if (done()) return records;
    await withDeadline(
      (async () => {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
            if (payload.topic !== topic) return;
            const last = BigInt(payload.lastOffset);
            if (last + 1n > (next.get(payload.partition) ?? -1n)) next.set(payload.partition, last + 1n);
            if (done()) resolve();
          });
          consumer
            .run({
              autoCommit: false,
              eachBatch: async ({ batch }) => {
                for (const m of batch.messages) {
                  const headers: Record<string, string> = {};
                  for (const [name, value] of Object.entries(m.headers ?? {})) {
                    if (value !== undefined) headers[name] = (Array.isArray(value) ? value[0] : value)?.toString() ?? '';
                  }
                  records.push({ partition: batch.partition, offset: BigInt(m.offset), key: m.key?.toString() ?? null, value: m.value, headers });
                }
              },
            })
            .catch(reject);
        });
      })(),
      {
        timeoutMs,
        what: () =>
          `reading ${topic} to its end (${records.length} records so far, positions ${JSON.stringify(Object.fromEntries([...next].map(([p, o]) => [p, String(o)])))})`,
      },
    );
    return records;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
