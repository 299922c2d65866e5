import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import type { CommitConfirmation } from './committer.js';

export interface CommitGateOptions {
  /** Settled, committable offsets no confirmed commit covers yet (OffsetTracker.uncommitted). */
  readonly uncommitted: () => number;
  /** KAFKA_MAX_UNCOMMITTED: at this many, new sends hold. */
  readonly max: number;
  /** Whether the broker takes this member's commits (Committer.confirmation). @default always confirmed */
  readonly confirmation?: () => CommitConfirmation;
  /**
   * How long commits may fail before the hold makes the pod unready (`blocked`).
   * @default 5000
   */
  readonly unreadyAfterMs?: number;
  /** Hold new sends (sends in flight finish). */
  readonly hold: () => void;
  readonly release: () => void;
  /** Told after each change of `blocked` (readiness). */
  readonly onChange?: (blocked: boolean) => void;
  readonly now?: () => number;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/**
 * Stops new sends while commits do not reach the broker. Every offset settled and not committed is
 * mailed again when its partition moves, so sending on while no commit is confirmed makes the
 * duplicates of the next rebalance grow. New sends hold
 * - from a commit refused or unconfirmed until one is confirmed (`failing`): a coordinator move can
 *   refuse commits for a minute while the group rebalances more than once;
 * - after a join until a commit of the new generation is confirmed (`joined`): a new owner sends
 *   nothing before it knows its commits reach the broker, which costs one commit round trip;
 * - at `max` uncommitted offsets (commits unanswered), until confirmed commits (or a rebalance that
 *   took the partitions away) bring the count below half of it, so a slow commit does not flap.
 * Held means no new send starts; sends in flight finish. `check()` is cheap (O(partitions)): call it
 * after each settle, each commit result, each join, and every second (the readiness delay).
 */
export class CommitGate {
  #full = false;
  #holding = false;
  #blocked = false;
  #failingSince: number | undefined;
  #since = 0;
  readonly #now: () => number;

  constructor(private readonly o: CommitGateOptions) {
    this.#now = o.now ?? Date.now;
    o.metrics.commitBlocked.set(0);
  }

  /**
   * Unready: at `max`, or commits failing for `unreadyAfterMs`. The hold after a join never counts:
   * every rebalance would flap readiness for one commit round trip, and on an idle topic (nothing
   * fetched, nothing to commit) it lasts until the first record. Should that commit fail, it counts.
   */
  get blocked(): boolean {
    return this.#blocked;
  }

  /** New sends held for any of the reasons: progress is not expected (liveness waits). */
  get holding(): boolean {
    return this.#holding;
  }

  check(): void {
    const uncommitted = this.o.uncommitted();
    this.o.metrics.uncommitted.set(uncommitted);
    if (!this.#full && uncommitted >= this.o.max) {
      this.#full = true;
      this.o.logger.warn({ uncommitted, max: this.o.max }, 'offset commits are not confirmed by the broker; new sends held until a commit succeeds (KAFKA_MAX_UNCOMMITTED)');
    } else if (this.#full && uncommitted * 2 < this.o.max) {
      this.#full = false;
    }
    const confirmation = this.o.confirmation?.() ?? 'confirmed';
    const now = this.#now();
    if (confirmation !== 'failing') this.#failingSince = undefined;
    else if (this.#failingSince === undefined) {
      this.#failingSince = now;
      this.o.logger.warn('an offset commit was not confirmed by the broker; new sends held until one is');
    }
    this.#setHolding(this.#full || confirmation !== 'confirmed', uncommitted, now);
    this.#setBlocked(this.#full || (this.#failingSince !== undefined && now - this.#failingSince >= (this.o.unreadyAfterMs ?? 5_000)));
  }

  #setHolding(holding: boolean, uncommitted: number, now: number): void {
    if (holding === this.#holding) return;
    this.#holding = holding;
    if (holding) {
      this.#since = now;
      this.o.hold();
      return;
    }
    const heldMs = now - this.#since;
    // A join's hold ends after one commit round trip on every rebalance: not worth a line.
    if (this.#blocked || heldMs >= 1_000) this.o.logger.info({ uncommitted, max: this.o.max, heldMs }, 'offset commits confirmed again; sends resume');
    this.o.release();
  }

  #setBlocked(blocked: boolean): void {
    if (blocked === this.#blocked) return;
    this.#blocked = blocked;
    this.o.metrics.commitBlocked.set(blocked ? 1 : 0);
    this.o.onChange?.(blocked);
  }
}
