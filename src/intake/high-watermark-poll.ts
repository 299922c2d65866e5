import type { Admin } from 'kafkajs';
import type { Logger } from '../platform/logger.js';
import type { OffsetTracker } from '../settle/offset-tracker.js';

export interface HighWatermarkPollOptions {
  readonly admin: Pick<Admin, 'connect' | 'disconnect' | 'fetchTopicOffsets'>;
  readonly topic: string;
  readonly tracker: Pick<OffsetTracker, 'owns' | 'raiseHighWatermark'>;
  /** Least time between two polls. @default 5000 */
  readonly everyMs?: number;
  readonly now?: () => number;
  readonly logger: Logger;
}

/**
 * Reads the topic's high watermarks from the broker every few seconds. Fetches report them too, but
 * a paused consumer (SMTP circuit open, a blocked partition, a full buffer) fetches nothing, and the
 * lag gauges would stand still while the backlog grows. One request at a time; a failure waits for
 * the next poll.
 */
export class HighWatermarkPoll {
  #last = Number.NEGATIVE_INFINITY;
  #inFlight: Promise<void> | undefined;
  #connected = false;
  #closed = false;

  constructor(private readonly o: HighWatermarkPollOptions) {}

  /** Call periodically; polls when the last poll is old enough. Never throws. */
  poll(): void {
    const now = (this.o.now ?? Date.now)();
    if (this.#closed || this.#inFlight || now - this.#last < (this.o.everyMs ?? 5_000)) return;
    this.#last = now;
    this.#inFlight = this.#read()
      .catch((err: unknown) => this.o.logger.debug({ err }, 'high watermarks not read; next poll tries again'))
      .finally(() => (this.#inFlight = undefined));
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#inFlight;
    if (this.#connected) await this.o.admin.disconnect();
  }

  async #read(): Promise<void> {
    const { admin, topic, tracker } = this.o;
    if (!this.#connected) {
      await admin.connect();
      this.#connected = true;
    }
    for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
      if (tracker.owns(topic, partition)) tracker.raiseHighWatermark(topic, partition, high);
    }
  }
}
