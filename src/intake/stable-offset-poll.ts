import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';

import type { OffsetTracking } from './ports.js';

export interface StableOffsetPollOptions {
  readonly admin: Pick<Admin, 'connect' | 'disconnect' | 'fetchTopicOffsets'>;
  readonly topic: string;
  readonly tracker: Pick<OffsetTracking, 'owns' | 'setStableEnd'>;
  /** Least time between two polls. @default 5000 */
  readonly everyMs?: number;
  readonly now?: () => number;
  readonly logger: Logger;
}

/**
 * Reads the topic's last stable offsets from the broker every few seconds: the end lag is measured
 * against. KafkaJS's admin sends ListOffsets at isolation level READ_COMMITTED
 * (the request's default from version 2), which answers the last stable offset, not the high
 * watermark: records of an open transaction are not lag, as nothing can fetch them yet. A fetch's
 * high watermark would count them, and KafkaJS drops the fetch response's last stable offset.
 * Polling also keeps lag moving while the consumer fetches nothing (SMTP circuit open, a blocked
 * partition, a full buffer). One request at a time; a failure waits for the next poll.
 */
export class StableOffsetPoll {
  #last = Number.NEGATIVE_INFINITY;
  #inFlight: Promise<void> | undefined;
  #connected = false;
  #closed = false;

  constructor(private readonly o: StableOffsetPollOptions) {}

  /** Call periodically; polls when the last poll is old enough. Never throws. */
  poll(): void {
    const now = (this.o.now ?? Date.now)();
    if (this.#closed || this.#inFlight || now - this.#last < (this.o.everyMs ?? 5_000)) return;
    this.#last = now;
    this.#inFlight = this.#read()
      .catch((err: unknown) => this.o.logger.debug({ err }, 'last stable offsets not read; next poll tries again'))
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
      if (tracker.owns(topic, partition)) tracker.setStableEnd(topic, partition, BigInt(high));
    }
  }
}
