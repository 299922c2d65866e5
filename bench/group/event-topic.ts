import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';

import { produceEvents } from '../../dev/loadtest/produce-events.js';
import { sleep } from '../../src/platform/sleep.js';

/** A fresh sign-up topic (and its DLQ) for one run, with a producer of the run's events. */
export interface EventTopic {
  readonly topic: string;
  readonly dlqTopic: string;
  /** eventIds are `lt-<runId>-<n>` (dev/loadtest/signup-fixture.ts). */
  readonly runId: string;
  /** Events produced so far (acknowledged by the broker). */
  readonly produced: number;
  /** Produces `count` more events as fast as the broker acknowledges them. */
  produce(count: number): Promise<void>;
  /**
   * Keeps at least `target` events not yet received (`produced − received()`) in the topic, checking
   * every `everyMs`, until the returned stop function is called.
   */
  keepToppedUp(o: { target: number; received: () => number; everyMs?: number }): () => Promise<void>;
  /**
   * Messages below the group's committed offsets, summed over the partitions: with every event
   * settled by a send (no DLQ), the events sent at least once minus this is what a restart sends again.
   */
  committedCount(groupId: string): Promise<number>;
  close(): Promise<void>;
}

export async function createEventTopic({
  brokers,
  label,
  partitions,
  eventBytes = 1_500,
}: {
  brokers: readonly string[];
  label: string;
  partitions: number;
  eventBytes?: number;
}): Promise<EventTopic> {
  const runId = `${label}${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`;
  const topic = `bench-${runId}`;
  const dlqTopic = `${topic}.dlq`;
  const kafka = new Kafka({ clientId: `bench-${label}`, brokers: [...brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic, numPartitions: partitions },
      { topic: dlqTopic, numPartitions: 1 },
    ],
  });
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  let produced = 0;
  // One produce at a time, so event indexes never overlap.
  let chain: Promise<void> = Promise.resolve();
  const produce = (count: number): Promise<void> => {
    chain = chain.then(async () => {
      if (count <= 0) return;
      await produceEvents({ producer, topic, runId, count, rate: 0, eventBytes, users: 100_000, from: produced });
      produced += count;
    });
    return chain;
  };
  return {
    topic,
    dlqTopic,
    runId,
    get produced() {
      return produced;
    },
    produce,
    keepToppedUp({ target, received, everyMs = 500 }) {
      const stop = new AbortController();
      const loop = (async () => {
        while (!stop.signal.aborted) {
          await produce(target - (produced - received()));
          await sleep(everyMs, stop.signal).catch(() => {});
        }
      })();
      return async () => {
        stop.abort();
        await loop;
      };
    },
    async committedCount(groupId) {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      // '-1': nothing committed for that partition yet.
      return (offsets?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    },
    async close() {
      await chain.catch(() => {});
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}
