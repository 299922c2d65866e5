import { Kafka, logLevel, Partitioners } from 'kafkajs';

import { produceEvents } from '../dev/loadtest/produce-events.js';

/**
 * A fresh topic (and its DLQ) holding `messages` sign-up events of `eventBytes` each, keys over
 * 100 000 users. Every Kafka variant reads it from the beginning with its own group: the same data
 * for each.
 */
export async function createBacklog({
  brokers,
  messages,
  partitions,
  eventBytes = 1_500,
  label,
}: {
  brokers: readonly string[];
  messages: number;
  partitions: number;
  eventBytes?: number;
  label: string;
}): Promise<{ topic: string; seconds: number }> {
  const topic = `bench-${label}-${Date.now().toString(36)}`;
  const kafka = new Kafka({ clientId: 'bench-backlog', brokers: [...brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: partitions },
        { topic: `${topic}.dlq`, numPartitions: 1 },
      ],
    });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const { seconds } = await produceEvents({
      producer,
      topic,
      runId: topic.replace(/[^A-Za-z0-9]/g, ''),
      count: messages,
      rate: 0,
      eventBytes,
      users: 100_000,
    });
    return { topic, seconds };
  } finally {
    await producer.disconnect();
  }
}
