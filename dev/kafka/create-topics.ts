import { Kafka, logLevel } from 'kafkajs';

import { withDeadline } from './with-deadline.js';

export interface TopicSpec {
  name: string;
  /** @default the broker's num.partitions */
  partitions?: number;
  /** Topic-level configs, e.g. `{ 'retention.ms': '604800000' }`. */
  configs?: Record<string, string>;
}

export interface CreateTopicsOptions {
  brokers: readonly string[];
  topics: readonly TopicSpec[];
  signal?: AbortSignal;
  /** @default 30_000 */
  timeoutMs?: number;
}

export interface CreateTopicsResult {
  created: string[];
  existing: string[];
}

/**
 * Creates the topics that do not exist yet and waits for their leaders. Idempotent: listing first keeps
 * KafkaJS from logging TOPIC_ALREADY_EXISTS as an error on every run.
 */
export async function createTopics({ brokers, topics, signal, timeoutMs = 30_000 }: CreateTopicsOptions): Promise<CreateTopicsResult> {
  const admin = new Kafka({ clientId: 'local-kafka-admin', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  const work = async (): Promise<CreateTopicsResult> => {
    await admin.connect();
    const present = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !present.has(topic.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        timeout: timeoutMs,
        topics: missing.map((topic) => ({
          topic: topic.name,
          ...(topic.partitions === undefined ? {} : { numPartitions: topic.partitions }),
          configEntries: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    return { created: missing.map((t) => t.name), existing: topics.filter((t) => present.has(t.name)).map((t) => t.name) };
  };
  try {
    return await withDeadline(work(), { timeoutMs, signal, what: `creating topics on ${brokers.join(',')}` });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
