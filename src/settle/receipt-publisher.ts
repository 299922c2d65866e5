import type { Message, Producer } from 'kafkajs';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { retryDelayMs } from '../platform/retry-policy.js';
import { sleep } from '../platform/sleep.js';

export interface ReceiptPublisherOptions {
  readonly producer: Pick<Producer, 'send'>;
  readonly topic: string;
  readonly metrics: Pick<Metrics, 'receiptPublishErrors'>;
  readonly logger: Logger;
  /** How long the first receipt waits for others to join its batch. @default 5 */
  readonly lingerMs?: number;
  /** Receipts in one produce request at most. @default 500 */
  readonly maxBatch?: number;
  /** Backoff between failed produce attempts; the last one repeats. @default [250, 1000, 5000] */
  readonly backoffMs?: readonly number[];
}

interface Entry {
  readonly message: Message;
  readonly signal: AbortSignal;
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

  constructor(options: ReceiptPublisherOptions) {
    this.#o = options;
  }

  publish(message: Message, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const entry: Entry = {
        message,
        signal,
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
        for (const entry of batch) {
          entry.signal.removeEventListener('abort', entry.onAbort);
          if (acknowledged) entry.resolve();
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  /** False when every receipt of the batch was abandoned before the broker acknowledged it. */
  async #sendUntilAcknowledged(batch: readonly Entry[]): Promise<boolean> {
    const { producer, topic, metrics, logger, backoffMs = [250, 1000, 5000] } = this.#o;
    for (let attempt = 1; ; attempt += 1) {
      const live = batch.filter((entry) => !entry.signal.aborted);
      if (live.length === 0) return false;
      try {
        await producer.send({ topic, acks: -1, messages: live.map((entry) => entry.message) });
        return true;
      } catch (err) {
        metrics.receiptPublishErrors.inc();
        logger.error({ err, receiptsTopic: topic, receipts: live.length, attempt }, 'receipt produce failed; retrying (their offsets are not committed)');
        const abandoned = whenAll(live.map((entry) => entry.signal));
        try {
          await sleep(retryDelayMs({ maxRetries: Number.POSITIVE_INFINITY, delaysMs: backoffMs }, attempt), abandoned.signal).catch(() => {});
        } finally {
          abandoned.dispose();
        }
      }
    }
  }
}

/**
 * A signal that aborts once every one of `signals` has. `dispose` removes its listeners: a batch
 * retried for a long outage would otherwise add one per receipt per attempt to signals that live on.
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
