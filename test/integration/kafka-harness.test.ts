import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { createTopics } from '../../dev/local-kafka.js';
import { consumeAll, createTopic, produce, randomGroup, randomTopic, readCommittedOffsets, testBrokers, testKafka } from '../support/kafka.js';

const brokers = testBrokers();

describe('kafka harness against the test broker', () => {
  describe('when a group consumes with manual commits', () => {
    it('reads the committed offsets back through admin.fetchOffsets', async () => {
      const topic = await createTopic(brokers, randomTopic('harness'), 3);
      const group = randomGroup();
      await produce(brokers, topic, [
        { key: 'a', value: 'one', partition: 0 },
        { key: 'b', value: 'two', partition: 0 },
        { key: 'c', value: 'three', partition: 2 },
      ]);

      const consumer = testKafka(brokers).consumer({ groupId: group, maxWaitTimeInMs: 100 });
      const seen: string[] = [];
      try {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          consumer
            .run({
              autoCommit: false,
              eachMessage: async ({ partition, message }) => {
                seen.push(message.value?.toString() ?? '');
                // Kafka's committed offset is the next one to read, hence +1.
                await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
                if (seen.length === 3) resolve();
              },
            })
            .catch(reject);
        });
      } finally {
        await consumer.disconnect();
      }

      expect(seen.sort()).toEqual(['one', 'three', 'two']);
      expect(await readCommittedOffsets(brokers, group, topic)).toEqual({ 0: 2, 1: -1, 2: 1 });
    });
  });

  describe('when a group has committed nothing', () => {
    it('reads -1 for every partition', async () => {
      const topic = await createTopic(brokers, randomTopic('harness'), 2);
      expect(await readCommittedOffsets(brokers, randomGroup(), topic)).toEqual({ 0: -1, 1: -1 });
    });
  });

  describe('when reading a whole topic', () => {
    it('returns every message with key, value and headers', async () => {
      const topic = await createTopic(brokers, randomTopic('dlq'), 2);
      await produce(brokers, topic, [
        { key: 'k1', value: 'v1', headers: { 'x-error-code': 'SMTP_PERMANENT' }, partition: 0 },
        { key: 'k2', value: 'v2', partition: 1 },
      ]);

      const messages = await consumeAll(brokers, topic);

      expect(messages).toHaveLength(2);
      expect(messages.find((m) => m.key === 'k1')).toMatchObject({ value: 'v1', partition: 0, headers: { 'x-error-code': 'SMTP_PERMANENT' } });
    });

    it('returns nothing for an empty topic without waiting', async () => {
      const topic = await createTopic(brokers, randomTopic('empty'), 2);
      expect(await consumeAll(brokers, topic, { timeoutMs: 5_000 })).toEqual([]);
    });

    it('waits for messages that arrive after the call when told how many to expect', async () => {
      const topic = await createTopic(brokers, randomTopic('late'), 1);
      const reading = consumeAll(brokers, topic, { expected: 1, timeoutMs: 20_000 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      await produce(brokers, topic, [{ value: 'late' }]);
      expect((await reading).map((m) => m.value)).toEqual(['late']);
    });
  });

  describe('when topics are created twice', () => {
    it('creates them once and reports the rest as existing', async () => {
      const name = randomTopic('twice');
      expect(await createTopics({ brokers, topics: [{ name, partitions: 6 }] })).toEqual({ created: [name], existing: [] });
      expect(await createTopics({ brokers, topics: [{ name, partitions: 6 }] })).toEqual({ created: [], existing: [name] });
    });
  });

  describe('when producing to a topic that does not exist', () => {
    it('fails instead of auto-creating it', async () => {
      const producer = testKafka(brokers).producer({
        allowAutoTopicCreation: true,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: 0 },
      });
      await producer.connect();
      try {
        await expect(producer.send({ topic: randomTopic('missing'), messages: [{ value: 'x' }] })).rejects.toThrow();
      } finally {
        await producer.disconnect();
      }
    });
  });
});
