import type { EachBatchPayload } from 'kafkajs';
import type { Capacity } from '../delivery/capacity.js';
import type { ConsumedRecord } from '../delivery/outcome.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import type { OffsetTracker } from '../settle/offset-tracker.js';

export interface BatchHandlerOptions {
  readonly tracker: OffsetTracker;
  readonly capacity: Capacity;
  readonly submit: (record: ConsumedRecord) => void;
  /** How often to heartbeat while waiting for buffer space (KafkaJS throttles to its own interval). */
  readonly heartbeatEveryMs: number;
  /** Aborted when the service stops: waiting for space ends and the rest of the batch stays unread. */
  readonly signal: AbortSignal;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly onFetchPaused?: (paused: boolean) => void;
}

/**
 * KafkaJS `eachBatch` (autoCommit off, eachBatchAutoResolve off). Each message takes a buffer slot,
 * is tracked for the commit watermark, resolved (so fetching moves on) and handed to the pool
 * without awaiting its delivery. When the buffer is full the handler waits, which pauses fetching,
 * and heartbeats meanwhile so backpressure never costs the group membership.
 */
export function createBatchHandler(o: BatchHandlerOptions) {
  return async function eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    o.tracker.setHighWatermark(topic, partition, batch.highWatermark);
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || o.signal.aborted) return;
      if (!o.capacity.tryAcquire()) {
        const acquired = await waitForSpace(o, heartbeat);
        if (!acquired || !isRunning() || isStale() || o.signal.aborted) {
          if (acquired) o.capacity.release();
          return;
        }
      }
      const ticket = o.tracker.track(topic, partition, message.offset);
      if (!ticket) {
        // Refetched after a rebalance while still in process here: already admitted.
        o.capacity.release();
        resolveOffset(message.offset);
        continue;
      }
      o.metrics.consumed.inc({ topic });
      resolveOffset(message.offset);
      o.submit({ topic, partition, message, ticket });
    }
  };
}

/** Waits for a slot with heartbeats; false when the service is stopping. Rethrows rebalance errors. */
async function waitForSpace(o: BatchHandlerOptions, heartbeat: () => Promise<void>): Promise<boolean> {
  const wait = new AbortController();
  const stop = () => wait.abort(o.signal.reason);
  o.signal.addEventListener('abort', stop, { once: true });
  o.metrics.fetchPaused.set(1);
  o.onFetchPaused?.(true);
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
      if (!acquired && !wait.signal.aborted) await heartbeat();
    }
    return acquired;
  } catch (err) {
    // A rebalance surfaced through heartbeat: give the slot back (or cancel the wait) and let KafkaJS rejoin.
    wait.abort(err);
    await slot;
    if (acquired) o.capacity.release();
    throw err;
  } finally {
    o.signal.removeEventListener('abort', stop);
    o.metrics.fetchPaused.set(0);
    o.onFetchPaused?.(false);
  }
}
