import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';

import { partitionKey, type TopicPartition } from '../pipeline/topic-partition.js';
import type { Metrics } from '../platform/metrics.js';

/**
 * Which fetching should be paused, as desired state: the whole topic while the SMTP circuit is open
 * or the service stops, single partitions held behind an offset that does not settle. Applied now
 * if KafkaJS can take it, and again by `apply()` after every (re)join: KafkaJS refuses pause/resume
 * while its consumer group restarts, and a rebuilt group has forgotten them.
 */
export class PauseState {
  #circuitOpen = false;
  #waitingForSpace = false;
  #stopping = false;
  readonly #blocked = new Map<string, TopicPartition>();

  constructor(private readonly o: { consumer: Pick<Consumer, 'pause' | 'resume'>; topic: string; metrics: Metrics; logger: Logger }) {}

  get blocked(): TopicPartition[] {
    return [...this.#blocked.values()];
  }

  isBlocked(tp: TopicPartition): boolean {
    return this.#blocked.has(partitionKey(tp));
  }

  setCircuitOpen(open: boolean): void {
    this.#circuitOpen = open;
    this.apply();
  }

  /** Intake waits for buffer space (fetching stopped by itself): only the fetch_paused gauge changes. */
  setWaitingForSpace(waiting: boolean): void {
    this.#waitingForSpace = waiting;
    this.#updateGauge();
  }

  stop(): void {
    this.#stopping = true;
    this.apply();
  }

  block(tp: TopicPartition): void {
    this.#blocked.set(partitionKey(tp), tp);
    this.o.metrics.partitionBlocked.set({ topic: tp.topic, partition: String(tp.partition) }, 1);
    this.apply();
  }

  /** Forgets a blocked partition (resumed, or no longer ours); `apply()` is the caller's call. */
  unblock(tp: TopicPartition): boolean {
    if (!this.#blocked.delete(partitionKey(tp))) return false;
    this.o.metrics.partitionBlocked.remove({ topic: tp.topic, partition: String(tp.partition) });
    return true;
  }

  apply(): void {
    const { consumer, topic } = this.o;
    try {
      if (this.#circuitOpen || this.#stopping) {
        consumer.pause([{ topic }]);
      } else {
        // Resuming the topic clears partition pauses too (KafkaJS subscription state): re-pause those.
        consumer.resume([{ topic }]);
        const blocked = this.blocked.map((tp) => tp.partition);
        if (blocked.length > 0) consumer.pause([{ topic, partitions: blocked }]);
      }
    } catch (err) {
      this.o.logger.debug({ err }, 'pause state not applied now; it is re-applied when the consumer joins');
    }
    this.#updateGauge();
  }

  #updateGauge(): void {
    this.o.metrics.fetchPaused.set(this.#circuitOpen || this.#waitingForSpace || this.#stopping ? 1 : 0);
  }
}
