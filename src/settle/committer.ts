import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import type { CommitOffset, OffsetTracker } from './offset-tracker.js';

export interface CommitterOptions {
  readonly tracker: OffsetTracker;
  /** Commits offsets for the current group generation (KafkaJS `consumer.commitOffsets`). */
  readonly commit: (offsets: CommitOffset[]) => Promise<void>;
  readonly intervalMs: number;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly onCommitted?: () => void;
}

/**
 * Commits settled watermarks every `intervalMs`, on demand (`flush`) and one last time before a
 * rebalance. Commits never overlap. While suspended (between "rebalancing" and the new assignment)
 * nothing is committed, so a revoked partition is never committed with the new generation.
 */
export class Committer {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #suspended = false;
  #stopped = false;

  constructor(private readonly o: CommitterOptions) {}

  start(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setInterval(() => void this.flush(), this.o.intervalMs);
    this.#timer.unref?.();
  }

  /** Commits what is committable now; resolves when done (errors are logged, not thrown). */
  flush(): Promise<void> {
    return this.#enqueue(false);
  }

  /** One last commit with the current generation, then nothing until `resume`. */
  flushThenSuspend(): Promise<void> {
    const done = this.#enqueue(true);
    this.#suspended = true;
    return done;
  }

  resume(): void {
    this.#suspended = false;
  }

  /** Stops the timer; idempotent. A final `flush()` is the caller's call. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #enqueue(force: boolean): Promise<void> {
    this.#running = this.#running.then(() => this.#commitOnce(force));
    return this.#running;
  }

  async #commitOnce(force: boolean): Promise<void> {
    if (this.#suspended && !force) return;
    const offsets = this.o.tracker.commitCandidates();
    if (offsets.length === 0) return;
    try {
      await this.o.commit(offsets);
    } catch (err) {
      this.o.metrics.commits.inc({ result: 'error' });
      this.o.logger.warn({ err, partitions: offsets.length }, 'offset commit failed; will retry');
      return;
    }
    this.o.metrics.commits.inc({ result: 'ok' });
    for (const { topic, partition, offset } of offsets) {
      this.o.tracker.markCommitted(topic, partition, offset);
      this.o.metrics.committedOffset.set({ topic, partition: String(partition) }, Number(offset));
    }
    this.o.onCommitted?.();
  }
}
