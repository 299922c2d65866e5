import type { EachBatchPayload } from 'kafkajs';
import type { Logger } from 'pino';

import type { Capacity } from '../pipeline/capacity.js';
import type { EventRoutes } from '../pipeline/event-routes.js';
import type { ConsumedRecord } from '../pipeline/outcome.js';
import type { TopicPartition } from '../pipeline/topic-partition.js';
import type { Metrics } from '../platform/metrics.js';
import type { OffsetTracking } from './ports.js';
import { toConsumedRecord } from './to-consumed-record.js';

/** What intake needs to know of the group membership (the consumer lifecycle). */
export interface MembershipGate {
  /**
   * Throws the KafkaJS error that makes KafkaJS rejoin when a rebalance or the loss of membership is
   * known: every queued batch then returns at once instead of waiting for buffer space.
   */
  assertMember(): void;
  /**
   * A heartbeat failed. When the error means a rebalance or a lost membership, resolves once the
   * member stopped taking work and committed what it could; the caller then rethrows.
   */
  heartbeatFailed(err: unknown): Promise<void>;
}

export interface BatchHandlerOptions {
  readonly tracker: OffsetTracking;
  readonly capacity: Capacity;
  readonly submit: (record: ConsumedRecord) => void;
  readonly membership: MembershipGate;
  /** How often to heartbeat while waiting for buffer space (KafkaJS throttles to its own interval). */
  readonly heartbeatEveryMs: number;
  /** Most offsets a partition may hold admitted past its commit watermark (one stuck offset). */
  readonly maxAheadPerPartition: number;
  /** A partition reached `maxAheadPerPartition`: pause it until its watermark moves. */
  readonly onPartitionFull: (partition: TopicPartition) => void;
  /** Aborted when the service stops: waiting for space ends and the rest of the batch stays unread. */
  readonly signal: AbortSignal;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Waiting for buffer space began or ended (the pause state writes the fetch_paused gauge: one writer). */
  readonly onFetchPaused: (paused: boolean) => void;
  /** Event type → template set, from the templates' manifest. @default sign-ups to the welcome set only */
  readonly routes?: EventRoutes;
}

/**
 * KafkaJS `eachBatch` (autoCommit off, eachBatchAutoResolve off). Each message takes a buffer slot,
 * is tracked for the commit watermark, resolved (so fetching moves on) and handed to the pool
 * without awaiting its delivery. When the buffer is full the handler waits, which pauses fetching,
 * and heartbeats meanwhile so backpressure never costs the group membership. Once a rebalance is
 * known it admits nothing and returns at once, so KafkaJS rejoins within about one heartbeat.
 */
export function createBatchHandler(o: BatchHandlerOptions) {
  // Batches of several partitions wait for space at once (PARTITIONS_CONSUMED_CONCURRENTLY): the fetch
  // counts as paused from the first waiter to the last.
  let waiting = 0;
  // One listener on the stop signal for every batch waiting at once: a listener each passes Node's
  // 10-listener warning with a dozen partitions.
  const waits = new Set<AbortController>();
  o.signal.addEventListener(
    'abort',
    () => {
      for (const wait of waits) wait.abort(o.signal.reason);
    },
    { once: true },
  );
  const paused = (on: boolean) => {
    const before = waiting;
    waiting += on ? 1 : -1;
    if ((before === 0) !== (waiting === 0)) o.onFetchPaused(waiting > 0);
  };
  // When this handler last heartbeated, across every batch in process.
  let beatAt = Number.NEGATIVE_INFINITY;
  const heartbeatOrRejoin = async (heartbeat: () => Promise<void>): Promise<void> => {
    beatAt = Date.now();
    try {
      await heartbeat();
    } catch (err) {
      await o.membership.heartbeatFailed(err);
      throw err;
    }
  };
  return async function eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    o.membership.assertMember();
    // KafkaJS does not update its heartbeat clock after a failed heartbeat, so this sends one at once
    // when KafkaJS's own heartbeat after the previous batch found a rebalance (else it is a no-op).
    await heartbeatOrRejoin(heartbeat);
    if (!o.tracker.owns(topic, partition)) return;
    // Lag is measured against the last stable offset the poll reads, not batch.highWatermark.
    const first = batch.messages[0];
    if (first) rewindIfBehind(o, topic, partition, BigInt(first.offset), BigInt(batch.highWatermark));
    const last = batch.messages.at(-1);
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || o.signal.aborted) return;
      // A batch that gets each slot before a heartbeat tick would otherwise never heartbeat; with several
      // partitions' batches in process it would keep admitting long after KafkaJS's own heartbeat found a
      // rebalance, and the member would rejoin only once every batch ran out (a newcomer waits that long).
      o.membership.assertMember();
      if (Date.now() - beatAt >= o.heartbeatEveryMs) await heartbeatOrRejoin(heartbeat);
      if (o.tracker.ahead(topic, partition) >= o.maxAheadPerPartition) {
        o.onPartitionFull({ topic, partition });
        return;
      }
      if (!o.capacity.tryAcquire()) {
        const acquired = await waitForSpace(o, () => heartbeatOrRejoin(heartbeat), paused, waits);
        if (!acquired || !isRunning() || isStale() || o.signal.aborted) {
          if (acquired) o.capacity.release();
          return;
        }
        try {
          o.membership.assertMember();
        } catch (err) {
          o.capacity.release();
          throw err;
        }
      }
      const ticket = o.tracker.track(topic, partition, BigInt(message.offset));
      if (!ticket) {
        o.capacity.release();
        // Revoked while this batch waited: leave the rest to the partition's next owner.
        if (!o.tracker.owns(topic, partition)) return;
        // Refetched after a rebalance while still in process here: already admitted.
        resolveOffset(message.offset);
        continue;
      }
      o.metrics.consumed.inc({ topic });
      resolveOffset(message.offset);
      // A transaction marker after the last record is never delivered: the watermark may pass it.
      if (message === last) o.tracker.markGap(topic, partition, BigInt(batch.lastOffset()) + 1n);
      o.submit(toConsumedRecord(message, ticket, o.routes));
    }
  };
}

/** A log that now ends below the committed offset restarts the partition's tracking where the fetch starts. */
function rewindIfBehind(o: BatchHandlerOptions, topic: string, partition: number, fetchOffset: bigint, logEnd: bigint): void {
  const from = o.tracker.rewind(topic, partition, fetchOffset, logEnd);
  if (from === undefined) return;
  o.metrics.offsetRewinds.inc({ topic });
  o.logger.warn(
    { topic, partition, committedOffset: from.toString(), fetchOffset: fetchOffset.toString() },
    'the log now ends below the committed offset and the fetch starts below it (topic created again, unclean leader election, truncated log): tracking restarts there; records in process from before still finish, their commits are dropped',
  );
}

/** Waits for a slot with heartbeats; false when the service is stopping. Rethrows rebalance errors. */
async function waitForSpace(
  o: BatchHandlerOptions,
  heartbeat: () => Promise<void>,
  paused: (on: boolean) => void,
  waits: Set<AbortController>,
): Promise<boolean> {
  const wait = new AbortController();
  if (o.signal.aborted) wait.abort(o.signal.reason);
  waits.add(wait);
  paused(true);
  let acquired = false;
  const slot = o.capacity.acquire(wait.signal).then(
    () => {
      acquired = true;
    },
    () => {},
  );
  try {
    while (!acquired && !wait.signal.aborted) {
      let tick: NodeJS.Timeout | undefined;
      await Promise.race([slot, new Promise((resolve) => (tick = setTimeout(resolve, o.heartbeatEveryMs)))]);
      clearTimeout(tick);
      if (acquired || wait.signal.aborted) break;
      // With several partitions' batches waiting, only the one whose heartbeat reaches the broker hears
      // of a rebalance; the others learn it here, or they would wait for slots the held pool never frees.
      o.membership.assertMember();
      await heartbeat();
    }
    return acquired;
  } catch (err) {
    // A rebalance surfaced through heartbeat: give the slot back (or cancel the wait) and let KafkaJS rejoin.
    wait.abort(err);
    await slot;
    if (acquired) o.capacity.release();
    throw err;
  } finally {
    waits.delete(wait);
    paused(false);
  }
}
