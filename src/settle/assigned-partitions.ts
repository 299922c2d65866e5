import { partitionKey, type TopicPartition } from '../pipeline/topic-partition.js';
import { PartitionState } from './partition-state.js';

const keyOf = (topic: string, partition: number) => partitionKey({ topic, partition });

/**
 * The partitions of the current assignment and the tracking of each. Every tracking begun (first
 * admission in an assignment, or a restart) gets a new epoch, so tickets of a tracking that was
 * dropped or restarted since are recognised as void.
 */
export class AssignedPartitions {
  readonly #states = new Map<string, PartitionState>();
  /** The current assignment: only these partitions may be tracked. */
  readonly #assigned = new Set<string>();
  #epoch = 0;

  /** The partition's tracking, if it has one. */
  get(topic: string, partition: number): PartitionState | undefined {
    return this.#states.get(keyOf(topic, partition));
  }

  /**
   * The partition's tracking, begun now if it has none; undefined when the partition is not in the
   * current assignment: a batch still being handled for a revoked partition must not re-create it.
   */
  open(topic: string, partition: number): PartitionState | undefined {
    const key = keyOf(topic, partition);
    if (!this.#assigned.has(key)) return undefined;
    let state = this.#states.get(key);
    if (!state) {
      state = new PartitionState(topic, partition, ++this.#epoch);
      this.#states.set(key, state);
    }
    return state;
  }

  /** Begins the partition's tracking anew; the tickets of the one before become void. */
  restart(topic: string, partition: number): void {
    this.#states.set(keyOf(topic, partition), new PartitionState(topic, partition, ++this.#epoch));
  }

  /**
   * Makes `assignment` the current one; returns the partitions dropped (revoked) that had state.
   * Their tickets become void. `retain([])` forgets everything (membership lost).
   */
  retain(assignment: readonly TopicPartition[]): TopicPartition[] {
    this.#assigned.clear();
    for (const tp of assignment) this.#assigned.add(keyOf(tp.topic, tp.partition));
    const dropped: TopicPartition[] = [];
    for (const [key, state] of this.#states) {
      if (this.#assigned.has(key)) continue;
      const { topic, partition } = state;
      dropped.push({ topic, partition });
      this.#states.delete(key);
    }
    return dropped;
  }

  /** Whether the partition is in the current assignment. */
  owns(topic: string, partition: number): boolean {
    return this.#assigned.has(keyOf(topic, partition));
  }

  /** The tracked partitions. */
  states(): IterableIterator<PartitionState> {
    return this.#states.values();
  }
}
