import type { Ticket, TopicPartition } from '../pipeline/topic-partition.js';

/**
 * What intake asks of the rest of the service, declared here so intake imports no later stage: the
 * root passes in settle's offset tracker and delivery's dispatcher, which fit these shapes.
 */

/** Track: the offsets intake admits, per partition of the current assignment, for the commit watermark. */
export interface OffsetTracking {
  /** A partition of the current assignment. */
  owns(topic: string, partition: number): boolean;
  /** How many offsets the partition holds admitted past its commit watermark. */
  ahead(topic: string, partition: number): number;
  /** Admits one offset; undefined when the partition is not owned or the offset was admitted before. */
  track(topic: string, partition: number, offset: bigint): Ticket | undefined;
  /** Offsets below this one that were never delivered (transaction markers, compacted records). */
  markGap(topic: string, partition: number, next: bigint): void;
  /** The log ends below the committed offset: tracking restarts at the fetch offset; the old start, if it moved. */
  rewind(topic: string, partition: number, fetchOffset: bigint, logEnd: bigint): bigint | undefined;
  /** Keeps the partitions of a new assignment; returns the ones dropped. */
  retain(assignment: readonly TopicPartition[]): TopicPartition[];
  /** The partition's last stable offset, for the lag. */
  setStableEnd(topic: string, partition: number, offset: bigint): void;
}

/** Hold and abandon: what a rebalance or a lost membership asks of the sends. */
export interface Sends {
  /** No new send starts until `unhold` with the same reason. */
  hold(reason: 'rebalance'): void;
  unhold(reason: 'rebalance'): void;
  /** Drops the queued work of partitions that left this member; returns how many records. */
  abandonPartitions(partitions: readonly TopicPartition[]): number;
  abandonAll(): number;
  whenNoSendInFlight(signal?: AbortSignal): Promise<void>;
}
