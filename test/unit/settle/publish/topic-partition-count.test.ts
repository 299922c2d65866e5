import { describe, expect, it } from 'vitest';

import { topicPartitionCount } from '../../../../src/settle/publish/topic-partition-count.js';

/** Admin clients answering with `answers` in turn (a number of partitions, an error, or never). */
function admins(answers: Array<number | Error | 'never'>) {
  const made = { count: 0, disconnected: 0 };
  const newAdmin = () => {
    made.count += 1;
    const answer = answers.shift();
    return {
      connect: async () => {},
      disconnect: async () => {
        made.disconnected += 1;
      },
      fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
        if (answer === 'never') return new Promise<never>(() => {});
        if (answer instanceof Error || answer === undefined) throw answer ?? new Error('no answer scripted');
        return {
          topics: topics.map((name) => ({
            name,
            partitions: Array.from({ length: answer }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 })),
          })),
        };
      },
    };
  };
  return { made, newAdmin };
}

describe('topicPartitionCount', () => {
  const signal = new AbortController().signal;

  it('looks the count up once per refresh period, each time with a fresh admin client it lets go', async () => {
    let now = 0;
    const { made, newAdmin } = admins([3, 6]);
    const count = topicPartitionCount({ newAdmin, topic: 'receipts', refreshMs: 1000, now: () => now });
    expect(await count(signal)).toBe(3);
    now = 999;
    expect(await count(signal)).toBe(3);
    expect(made.count).toBe(1);
    now = 1000;
    expect(await count(signal)).toBe(6);
    expect(made).toEqual({ count: 2, disconnected: 2 });
  });

  it('when the first look-up fails › rejects (the produce attempt fails and is retried)', async () => {
    const { newAdmin } = admins([new Error('broker down'), 0]);
    const count = topicPartitionCount({ newAdmin, topic: 'receipts' });
    await expect(count(signal)).rejects.toThrow('broker down');
    await expect(count(signal)).rejects.toThrow('no partitions known for topic receipts');
  });

  it('when a refresh fails or does not answer in time › keeps the last count (partitions are only added)', async () => {
    let now = 0;
    const { newAdmin } = admins([3, new Error('broker down'), 'never']);
    const count = topicPartitionCount({ newAdmin, topic: 'receipts', refreshMs: 10, timeoutMs: 20, now: () => now });
    expect(await count(signal)).toBe(3);
    now = 10;
    expect(await count(signal)).toBe(3);
    expect(await count(signal)).toBe(3);
  });

  it('when nothing is known and the look-up hangs › rejects after the bound', async () => {
    const { newAdmin } = admins(['never']);
    const count = topicPartitionCount({ newAdmin, topic: 'receipts', timeoutMs: 20 });
    await expect(count(signal)).rejects.toThrow();
  });
});
