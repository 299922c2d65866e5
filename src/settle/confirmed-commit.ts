import type { Consumer, ConsumerCommitOffsetsEvent } from 'kafkajs';

import { partitionKey } from '../pipeline/topic-partition.js';
import type { CommitOffset } from './offset-tracker.js';

/**
 * Commits through KafkaJS and resolves with the offsets the broker confirmed. KafkaJS's
 * `commitOffsets` resolves without sending, and swallows errors, while its runner is stopping or
 * restarting; its COMMIT_OFFSETS event is emitted only after the broker answered the OffsetCommit
 * request, so that event is the confirmation.
 */
export function createConfirmedCommit(consumer: Pick<Consumer, 'events' | 'on' | 'commitOffsets'>) {
  return async function commit(offsets: CommitOffset[]): Promise<CommitOffset[]> {
    const confirmed = new Map<string, bigint>();
    const off = consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }: ConsumerCommitOffsetsEvent) => {
      for (const { topic, partitions } of payload.topics) {
        for (const { partition, offset } of partitions) confirmed.set(partitionKey({ topic, partition }), BigInt(String(offset)));
      }
    });
    try {
      // KafkaJS takes offsets as strings.
      await consumer.commitOffsets(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: offset.toString() })));
    } finally {
      off();
    }
    return offsets.filter(({ topic, partition, offset }) => {
      const got = confirmed.get(partitionKey({ topic, partition }));
      return got !== undefined && got >= offset;
    });
  };
}
