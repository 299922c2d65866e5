/**
 * Kafka helpers for integration tests, in the spirit of kafkajs' testHelpers: every test gets its own
 * random topic and group, and every wait has a timeout so a broken broker fails a test instead of
 * hanging it.
 */
import { randomUUID } from 'node:crypto';

import { type IHeaders, Kafka, logLevel, Partitioners, type RecordMetadata } from 'kafkajs';
import { inject } from 'vitest';

import { withDeadline } from '../../dev/kafka/with-deadline.js';
import { createTopics } from '../../dev/local-kafka.js';

const DEFAULT_TIMEOUT_MS = 30_000;

/** The brokers from global setup (`inject('kafkaBrokers')`), or KAFKA_BROKERS. */
export function testBrokers(): string[] {
  const provided = inject('kafkaBrokers');
  if (provided?.length) return provided;
  const fromEnv = process.env.KAFKA_BROKERS;
  if (!fromEnv) throw new Error('no Kafka brokers: run through the vitest "integration" project or set KAFKA_BROKERS');
  return fromEnv.split(',');
}

export function randomTopic(prefix = 'test'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function randomGroup(prefix = 'group'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A quiet KafkaJS client; tests assert on results and errors, not on KafkaJS's log lines. */
export function testKafka(brokers: readonly string[], clientId = 'test'): Kafka {
  return new Kafka({ clientId, brokers: [...brokers], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
}

export async function createTopic(brokers: readonly string[], name: string, partitions = 1, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
  await createTopics({ brokers, topics: [{ name, partitions }], timeoutMs });
  return name;
}

export interface TestMessage {
  key?: string | null;
  value: string | Buffer | null;
  headers?: IHeaders;
  partition?: number;
}

/** Produces with acks=all and waits for the broker's acknowledgement. */
export async function produce(
  brokers: readonly string[],
  topic: string,
  messages: readonly TestMessage[],
  { timeoutMs = DEFAULT_TIMEOUT_MS }: { timeoutMs?: number } = {},
): Promise<RecordMetadata[]> {
  const producer = testKafka(brokers, 'test-producer').producer({ createPartitioner: Partitioners.DefaultPartitioner });
  try {
    return await withDeadline(
      (async () => {
        await producer.connect();
        return producer.send({ topic, acks: -1, messages: messages.map((message) => ({ ...message })) });
      })(),
      { timeoutMs, what: `producing ${messages.length} messages to ${topic}` },
    );
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/**
 * Runs `work` again every 200 ms while it fails with an error KafkaJS marks retriable, for up to
 * `forMs`: a broker that has just started, moved a group's coordinator or not yet cached a new topic
 * answers so for a moment, and KafkaJS's admin does not always retry it itself.
 */
export async function whileRetriable<T>(work: () => Promise<T>, forMs: number): Promise<T> {
  const giveUpAt = Date.now() + forMs;
  for (;;) {
    try {
      return await work();
    } catch (err) {
      if ((err as { retriable?: boolean }).retriable !== true || Date.now() > giveUpAt) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Committed offset per partition (the next offset to read), -1 where the group has committed nothing. */
export async function readCommittedOffsets(
  brokers: readonly string[],
  group: string,
  topic: string,
  { timeoutMs = DEFAULT_TIMEOUT_MS }: { timeoutMs?: number } = {},
): Promise<Record<number, number>> {
  const admin = testKafka(brokers, 'test-admin').admin();
  try {
    const [result] = await withDeadline(
      (async () => {
        await admin.connect();
        // A topic created a moment ago may not be in this broker's metadata cache yet (KRaft propagates
        // it asynchronously): KafkaJS's own retries can run out; a retriable error is tried again.
        return await whileRetriable(() => admin.fetchOffsets({ groupId: group, topics: [topic] }), timeoutMs);
      })(),
      { timeoutMs, what: `reading committed offsets of ${group} on ${topic}` },
    );
    return Object.fromEntries((result?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface ConsumedMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export interface ConsumeAllOptions {
  /** Wait until at least this many messages have been read (they may still be on their way). */
  expected?: number;
  /** @default 30_000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Reads a topic from the beginning with a throwaway group: everything up to the end offsets at the
 * time of the call, and on until `expected` messages if given. For DLQ topics and outputs in tests.
 */
export async function consumeAll(brokers: readonly string[], topic: string, options: ConsumeAllOptions = {}): Promise<ConsumedMessage[]> {
  const { expected = 0, timeoutMs = DEFAULT_TIMEOUT_MS, signal } = options;
  const kafka = testKafka(brokers, 'test-consumer');
  const admin = kafka.admin();
  // A short fetch wait keeps disconnect() quick: KafkaJS waits for the in-flight fetch to return.
  const consumer = kafka.consumer({ groupId: randomGroup('consume-all'), maxWaitTimeInMs: 100 });
  const messages: ConsumedMessage[] = [];
  try {
    return await withDeadline(
      (async () => {
        await admin.connect();
        const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
        const next = new Map<number, bigint>();
        const caughtUp = (): boolean => messages.length >= expected && [...ends].every(([partition, high]) => (next.get(partition) ?? 0n) >= high);
        if (caughtUp()) return messages;
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          consumer
            .run({
              eachMessage: async ({ partition, message }) => {
                messages.push({
                  partition,
                  offset: message.offset,
                  key: message.key?.toString() ?? null,
                  value: message.value?.toString() ?? null,
                  headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
                });
                next.set(partition, BigInt(message.offset) + 1n);
                if (caughtUp()) resolve();
              },
            })
            .catch(reject);
        });
        return messages;
      })(),
      { timeoutMs, signal, what: () => `reading ${topic} (${messages.length} of ${expected || 'all'} messages read)` },
    );
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

/** Deletes test topics; errors are ignored because the broker is wiped between runs anyway. */
export async function deleteTopics(brokers: readonly string[], topics: string[]): Promise<void> {
  const admin = testKafka(brokers, 'test-admin').admin();
  try {
    await withDeadline(
      (async () => {
        await admin.connect();
        await admin.deleteTopics({ topics, timeout: 10_000 });
      })(),
      { timeoutMs: DEFAULT_TIMEOUT_MS, what: `deleting ${topics.join(',')}` },
    );
  } catch {
    // best effort
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
