import type { Ticket, TopicPartition } from '../pipeline/topic-partition.js';
import { AssignedPartitions } from './assigned-partitions.js';

/**
 * The commit rule lives here. Per partition, the committable offset is the lowest admitted offset
 * not yet settled (sent, skipped as duplicate, or acknowledged on the DLQ), or one past the highest
 * admitted offset when everything is settled. Completions arrive in any order; the watermark never
 * passes an unsettled offset. Offsets are bigint (Kafka offsets are int64) here and everywhere inside
 * the service; KafkaJS's strings are converted where they come in (intake) and go out (the commit).
 */

export interface CommitOffset extends TopicPartition {
  /** The next offset to consume. */
  readonly offset: bigint;
}

export interface PartitionStats extends TopicPartition {
  readonly committed: bigint | undefined;
  readonly pending: number;
  readonly settledUncommitted: number;
  readonly oldestUnsettledAgeMs: number;
  readonly lag: bigint | undefined;
}

export class OffsetTracker {
  readonly #partitions = new AssignedPartitions();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Admits `offset`; returns undefined when it was already admitted in this assignment (KafkaJS
   * refetches from the committed offset after a rebalance; those messages are still in process),
   * or when the partition is not in the current assignment: a batch still being handled for a
   * revoked partition must not re-create its state, or its next offset would become committable
   * while another member owns the partition.
   */
  track(topic: string, partition: number, offset: bigint): Ticket | undefined {
    const state = this.#partitions.open(topic, partition);
    if (!state) return undefined;
    if (state.next !== undefined && offset < state.next) return undefined;
    state.admitted.push(offset);
    state.admittedAt.push(this.now());
    state.next = offset + 1n;
    return { topic, partition, offset, epoch: state.epoch };
  }

  /**
   * Records that no record below `nextOffset` will ever be delivered beyond those already admitted:
   * transaction markers, aborted records and compacted-away offsets. Without it the watermark stops
   * one short of the high watermark of a transactional topic for ever.
   * Batches arrive in offset order from the fetch position, so everything before a batch's end that
   * was not admitted is such a gap.
   */
  markGap(topic: string, partition: number, next: bigint): void {
    const state = this.#partitions.open(topic, partition);
    if (!state) return;
    if (state.next === undefined || next > state.next) state.next = next;
  }

  /** Offsets admitted and not yet below the watermark: what a stuck offset makes pile up. */
  ahead(topic: string, partition: number): number {
    const state = this.#partitions.get(topic, partition);
    return state ? state.admitted.length - state.head : 0;
  }

  /**
   * Settled offsets below the watermark (committable) that no confirmed commit covers yet, over the
   * assigned partitions: what a rebalance now would have mailed again. Offsets settled ahead of an
   * unsettled one (a message waiting for its retry) do not count: no commit could cover them yet.
   */
  uncommitted(): number {
    let sum = 0;
    for (const state of this.#partitions.states()) sum += state.passed.length;
    return sum;
  }

  /** Marks a ticket settled. Idempotent; ignores tickets from a dropped assignment. */
  settle(ticket: Ticket): void {
    const state = this.#partitions.get(ticket.topic, ticket.partition);
    if (!state || state.epoch !== ticket.epoch) return;
    const wm = state.watermark();
    if (wm === undefined || ticket.offset < wm) return;
    state.settledAhead.add(ticket.offset);
    state.advance();
  }

  /** Partitions whose watermark moved past their last commit. */
  commitCandidates({ all = false }: { all?: boolean } = {}): CommitOffset[] {
    const out: CommitOffset[] = [];
    for (const state of this.#partitions.states()) {
      const wm = state.watermark();
      if (wm === undefined) continue;
      if (!all && state.committed !== undefined && wm <= state.committed) continue;
      const { topic, partition } = state;
      out.push({ topic, partition, offset: wm });
    }
    return out;
  }

  /**
   * Records a successful commit; ignored if the partition was dropped meanwhile, if it moves backwards,
   * or if it lies past everything this tracking admitted: a commit still in flight when the tracking
   * restarted lower (see `rewind`) belongs to the tracking before.
   */
  markCommitted(topic: string, partition: number, offset: bigint): void {
    const state = this.#partitions.get(topic, partition);
    if (!state) return;
    if (state.committed !== undefined && offset <= state.committed) return;
    if (state.next === undefined || offset > state.next) return;
    state.committed = offset;
    let drop = 0;
    while (drop < state.passed.length && (state.passed[drop] as bigint) < offset) drop += 1;
    state.passed = drop === state.passed.length ? [] : state.passed.slice(drop);
  }

  /**
   * The partition's last stable offset as the broker reports it (ListOffsets, read_committed). Lag is
   * measured against it, never against a fetch's high watermark: records of an open transaction sit
   * between the two and cannot be fetched until it ends, so counting them would make a quiet
   * partition look stalled. Set, not raised: each read is newer than the last,
   * and the log can restart lower (a topic created again).
   */
  setStableEnd(topic: string, partition: number, offset: bigint): void {
    const state = this.#partitions.get(topic, partition);
    if (state) state.stableEnd = offset;
  }

  /**
   * The log moved backwards under the fetch position: a fetch starts at `fetchOffset`, below the offset
   * this tracking committed, and the log now ends (`logEnd`, the fetch's high watermark) below it
   * too, so the records that were committed are gone (topic deleted and created again, unclean leader
   * election, a truncated log the reset policy moved away from). These are records nobody admitted:
   * restart the partition's tracking there instead of skipping them as already admitted. Tickets of
   * the old tracking become void. Returns the committed offset the tracking had reached, or undefined.
   * A fetch below the committed offset of a log that still holds it is KafkaJS refetching after a
   * rejoin from an offset it had cached (seen under load): those records were handled, and
   * re-admitting them would send them twice. Not detected: a new log that had already grown past the
   * committed offset when it was fetched, a rewind before the first commit, or within
   * [committed, next), where a refetch and a rewind look alike.
   */
  rewind(topic: string, partition: number, fetchOffset: bigint, logEnd: bigint): bigint | undefined {
    const state = this.#partitions.get(topic, partition);
    if (!state || state.committed === undefined) return undefined;
    if (fetchOffset >= state.committed || logEnd >= state.committed) return undefined;
    this.#partitions.restart(topic, partition);
    return state.committed;
  }

  /**
   * Makes `assignment` the current one; returns the partitions dropped (revoked) that had state.
   * Their tickets become void. `retain([])` forgets everything (membership lost).
   */
  retain(assignment: readonly TopicPartition[]): TopicPartition[] {
    return this.#partitions.retain(assignment);
  }

  /** Whether the partition is in the current assignment. */
  owns(topic: string, partition: number): boolean {
    return this.#partitions.owns(topic, partition);
  }

  stats(): PartitionStats[] {
    const now = this.now();
    const out: PartitionStats[] = [];
    for (const state of this.#partitions.states()) {
      const { topic, partition } = state;
      const pending = state.admitted.length - state.head - state.settledAhead.size;
      const oldestAt = state.head < state.admittedAt.length ? (state.admittedAt[state.head] as number) : undefined;
      out.push({
        topic,
        partition,
        committed: state.committed,
        pending,
        settledUncommitted: state.passed.length + state.settledAhead.size,
        oldestUnsettledAgeMs: oldestAt === undefined ? 0 : Math.max(0, now - oldestAt),
        lag: state.lag(),
      });
    }
    return out;
  }
}
