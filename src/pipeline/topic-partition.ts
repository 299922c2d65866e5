export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/**
 * Proof of admission: the offset (int64, so bigint) and the assignment it was admitted in. Settling
 * with a ticket from a dropped (revoked) assignment is ignored.
 */
export interface Ticket extends TopicPartition {
  readonly offset: bigint;
  readonly epoch: number;
}

/** One string key per partition, for maps and sets. */
export const partitionKey = ({ topic, partition }: TopicPartition): string => `${topic}\u0000${partition}`;
