import type { Logger } from 'pino';

import type { Metrics } from '../platform/metrics.js';

export interface CommitGateOptions {
  /** Settled, committable offsets no confirmed commit covers yet (OffsetTracker.uncommitted). */
  readonly uncommitted: () => number;
  /** KAFKA_MAX_UNCOMMITTED: at this many, new sends hold. */
  readonly max: number;
  /** Hold new sends (sends in flight finish). */
  readonly hold: () => void;
  readonly release: () => void;
  /** Told after each change (readiness). */
  readonly onChange?: (blocked: boolean) => void;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/**
 * Stops new sends while commits do not reach the broker. Every offset settled and not committed is
 * mailed again when its partition moves, so sending on while no commit is confirmed makes the
 * duplicates of the next rebalance grow without bound. At `max` uncommitted offsets new sends hold;
 * they resume once confirmed commits (or a rebalance that took the partitions away) bring the count
 * below half of it, so a slow commit does not flap the hold on every message.
 * `check()` is cheap (O(partitions)): call it after each settle and each confirmed commit.
 */
export class CommitGate {
  #blocked = false;
  #since = 0;

  constructor(private readonly o: CommitGateOptions) {
    o.metrics.commitBlocked.set(0);
  }

  get blocked(): boolean {
    return this.#blocked;
  }

  check(): void {
    const uncommitted = this.o.uncommitted();
    this.o.metrics.uncommitted.set(uncommitted);
    if (!this.#blocked && uncommitted >= this.o.max) {
      this.#blocked = true;
      this.#since = Date.now();
      this.o.metrics.commitBlocked.set(1);
      this.o.logger.warn(
        { uncommitted, max: this.o.max },
        'offset commits are not confirmed by the broker; new sends held until a commit succeeds (KAFKA_MAX_UNCOMMITTED)',
      );
      this.o.hold();
      this.o.onChange?.(true);
    } else if (this.#blocked && uncommitted * 2 < this.o.max) {
      this.#blocked = false;
      this.o.metrics.commitBlocked.set(0);
      this.o.logger.info({ uncommitted, max: this.o.max, heldMs: Date.now() - this.#since }, 'offset commits confirmed again; sends resume');
      this.o.release();
      this.o.onChange?.(false);
    }
  }
}
