import { type Message, Partitioners, type PartitionMetadata, type Producer } from 'kafkajs';
import type { Logger } from 'pino';

import type { Metrics } from '../../platform/metrics.js';
import { produceUntilAcknowledged, type StalledPublishes } from './produce-until-acknowledged.js';
import type { PartitionCount } from './topic-partition-count.js';

export interface ReceiptPublisherOptions {
  readonly producer: Pick<Producer, 'send'>;
  readonly topic: string;
  /** The topic's partition count, to name each receipt's partition as KafkaJS would. */
  readonly partitionCount: PartitionCount;
  readonly metrics: Pick<Metrics, 'receiptPublishErrors' | 'receiptPublishStalled' | 'receiptPublishDelay'>;
  readonly logger: Logger;
  /** How long the first receipt waits for others to join its batch. @default 5 */
  readonly lingerMs?: number;
  /** Receipts in one produce request at most. @default 500 */
  readonly maxBatch?: number;
  /** Backoff between failed produce attempts; the last one repeats. @default [250, 1000, 5000] */
  readonly backoffMs?: readonly number[];
  /**
   * A batch not acknowledged after this long is stalled (error count, gauge, one error log line,
   * /readyz): the receipts topic is missing or unwritable. It keeps waiting. @default 60000
   */
  readonly stallAfterMs?: number;
  /** The stall count /readyz and /livez read, shared with the DLQ publisher. */
  readonly stalls?: StalledPublishes;
}

interface Entry {
  readonly message: Message;
  /** The message with its partition, fixed at its first attempt (the produce loop tracks it by identity). */
  sent?: Message;
  readonly signal: AbortSignal;
  /** performance.now() when it was handed in: its wait until acknowledged is the receipt delay. */
  readonly since: number;
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  readonly onAbort: () => void;
}

/**
 * Publishes receipts in batches (one produce request, acks from all in-sync replicas, for everything
 * that settled while the previous batch was on its way), so receipts cost the pipeline little. Each
 * `publish` resolves once the broker acknowledged its batch: the settler commits an offset only after
 * its receipt is durable (a crash may publish a receipt twice, never lose one). A failed batch is
 * retried until it is acknowledged or every receipt in it was abandoned (`signal`).
 */
export class ReceiptPublisher {
  readonly #o: ReceiptPublisherOptions;
  readonly #waiting: Entry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing = false;
  readonly #partitioner = Partitioners.DefaultPartitioner();

  constructor(options: ReceiptPublisherOptions) {
    this.#o = options;
  }

  publish(message: Message, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const entry: Entry = {
        message,
        signal,
        since: performance.now(),
        resolve,
        reject,
        onAbort: () => {
          const at = this.#waiting.indexOf(entry);
          if (at >= 0) this.#waiting.splice(at, 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', entry.onAbort, { once: true });
      this.#waiting.push(entry);
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#flushing) return;
    if (this.#waiting.length >= (this.#o.maxBatch ?? 500)) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      void this.#flush();
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, this.#o.lingerMs ?? 5);
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.splice(0, this.#o.maxBatch ?? 500);
        const acknowledged = await this.#sendUntilAcknowledged(batch);
        const now = performance.now();
        for (const entry of batch) {
          entry.signal.removeEventListener('abort', entry.onAbort);
          if (!acknowledged) continue;
          if (!entry.signal.aborted) this.#o.metrics.receiptPublishDelay.observe((now - entry.since) / 1_000);
          entry.resolve();
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  /** False when every receipt of the batch was abandoned before the broker acknowledged it. */
  async #sendUntilAcknowledged(batch: readonly Entry[]): Promise<boolean> {
    const { producer, topic, metrics, logger, backoffMs, stallAfterMs = 60_000, stalls } = this.#o;
    const loop = {
      producer,
      topic,
      what: 'receipt',
      stallAfterMs,
      errors: metrics.receiptPublishErrors,
      stalledGauge: metrics.receiptPublishStalled,
      logger,
      ...(backoffMs ? { backoffMs } : {}),
      ...(stalls ? { stalls } : {}),
    };
    const live = () => batch.filter((entry) => !entry.signal.aborted);
    const abandoned = whenAll(batch.map((entry) => entry.signal));
    try {
      return await produceUntilAcknowledged(loop, {
        messages: async () => {
          const alive = live();
          if (alive.every((entry) => entry.sent)) return alive.map((entry) => entry.sent as Message);
          const partitionMetadata = partitionsOf(await this.#o.partitionCount(abandoned.signal));
          return live().map(
            (entry) => (entry.sent ??= { ...entry.message, partition: this.#partitioner({ topic, partitionMetadata, message: entry.message }) }),
          );
        },
        signal: abandoned.signal,
        context: { receiptsTopic: topic, receipts: live().length },
      }).catch(() => false);
    } finally {
      abandoned.dispose();
    }
  }
}

/**
 * A batch spans partitions, and a resolved send is proof only for the partitions in its metadata
 * (see produceUntilAcknowledged). To know which partition each receipt went to, the receipt names
 * it, picked by KafkaJS's default partitioner from the key over the topic's partition count, as the
 * producer would have: same placement as before, one request per batch, and each receipt resolves
 * on its own partition's confirmation. Sending per partition would need the same count and cost a
 * request each.
 */
function partitionsOf(count: number): PartitionMetadata[] {
  return Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [], isr: [], partitionErrorCode: 0 }));
}

/**
 * A signal that aborts once every one of `signals` has. `dispose` removes its listeners: they would
 * otherwise stay on signals that live on.
 */
function whenAll(signals: readonly AbortSignal[]): { signal: AbortSignal; dispose(): void } {
  const all = new AbortController();
  const check = () => {
    if (signals.every((s) => s.aborted)) all.abort(new Error('every receipt abandoned'));
  };
  for (const s of signals) s.addEventListener('abort', check, { once: true });
  check();
  return { signal: all.signal, dispose: () => signals.forEach((s) => s.removeEventListener('abort', check)) };
}
