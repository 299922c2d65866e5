import type { Logger } from 'pino';

import { abortableWait } from '../platform/abortable-wait.js';
import type { Metrics } from '../platform/metrics.js';
import { sleep } from '../platform/sleep.js';
import type { CommitOffset, OffsetTracker } from './offset-tracker.js';

export interface CommitterOptions {
  readonly tracker: OffsetTracker;
  /**
   * Commits offsets for the current group generation and resolves with those the broker confirmed.
   * KafkaJS's `commitOffsets` can resolve without sending anything (while its runner stops), so
   * only what the broker answered for counts as committed.
   */
  readonly commit: (offsets: CommitOffset[]) => Promise<readonly CommitOffset[]>;
  /**
   * Least time between the starts of two commits. 0 commits as soon as the previous commit returned.
   * @default 0
   */
  readonly minIntervalMs?: number;
  /** Safety net: how often to look for something to commit (idle partitions, failed commits). */
  readonly intervalMs: number;
  /**
   * How often every owned partition's watermark is committed again, moved or not. A former owner's
   * commit that lands after the partition moved (KafkaJS sends it with whatever generation is current
   * then) can set the group's offset back below what the owner committed; the owner would never
   * commit again on an idle partition, so the group would keep a stale offset and redeliver after
   * the next move. Re-committing repairs that within this interval.
   * @default 5000
   */
  readonly refreshIntervalMs?: number;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly onCommitted?: () => void;
}

/**
 * Commits settled watermarks when they move (`notify`), at most one commit in flight, coalescing
 * what settles meanwhile into the next one: after a crash the redelivered-but-sent window is the
 * sends in flight plus about one commit round trip, not a commit interval of sends. Also commits on
 * demand (`flush`), on a safety interval, and one last time before a rebalance. While suspended
 * (from "rebalancing" until the new assignment) nothing is committed, so a revoked partition is
 * never committed with the new generation.
 */
export class Committer {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #pending: Promise<void> | undefined;
  #lastStartedAt = Number.NEGATIVE_INFINITY;
  #lastRefreshAt = Date.now();
  #suspended = false;
  #generation = 0;
  #stopped = false;
  readonly #closing = new AbortController();
  readonly #resumed = new Set<() => void>();

  constructor(private readonly o: CommitterOptions) {}

  get suspended(): boolean {
    return this.#suspended;
  }

  /** The assignment commits are made for; each `resume` (a join) starts the next one. */
  get generation(): number {
    return this.#generation;
  }

  start(): void {
    if (this.#timer || this.#stopped) return;
    // The least interval counts from the start too: a member that crashes in its first interval commits nothing.
    this.#lastStartedAt = Date.now();
    this.#timer = setInterval(() => this.notify(), this.o.intervalMs);
    this.#timer.unref?.();
  }

  /** A watermark moved: commit soon. Cheap to call on every settle. */
  notify(): void {
    if (this.#stopped || this.#suspended || this.#pending) return;
    const next = this.#running.then(async () => {
      const wait = this.#lastStartedAt + (this.o.minIntervalMs ?? 0) - Date.now();
      if (wait > 0) await sleep(wait, this.#closing.signal).catch(() => {});
      this.#pending = undefined;
      await this.#commitOnce(false);
    });
    this.#pending = next;
    this.#running = next;
  }

  /** Commits what is committable now (after any commit in flight); errors are logged, not thrown. */
  flush(): Promise<void> {
    return this.#enqueue(false);
  }

  /**
   * One last commit with `generation`, then nothing until `resume`. A generation that has already
   * ended only gets its commit: the one that followed it keeps committing.
   */
  flushThenSuspend(generation = this.#generation): Promise<void> {
    const done = this.#enqueue(true);
    this.suspend(generation);
    return done;
  }

  /**
   * Commits nothing more until `resume` (a commit already running finishes). Only `generation` can
   * be suspended: a rebalance budget spent after KafkaJS already rejoined must not stop the new
   * assignment's commits for a whole generation.
   */
  suspend(generation = this.#generation): void {
    if (generation === this.#generation) this.#suspended = true;
  }

  /** The new assignment is in: commits resume, for a new generation. */
  resume(): void {
    this.#generation += 1;
    this.#suspended = false;
    for (const done of [...this.#resumed]) done();
    this.#resumed.clear();
    this.notify();
  }

  /**
   * The commit at shutdown. During a rebalance it waits for the new assignment (or `signal`), so
   * what settled during the drain is committed for the partitions still owned.
   */
  async finalCommit(signal: AbortSignal): Promise<void> {
    if (this.#suspended) {
      try {
        await abortableWait(signal, (done) => {
          this.#resumed.add(done);
          return () => this.#resumed.delete(done);
        });
      } catch {
        this.o.logger.warn('no assignment within the shutdown budget; settled offsets stay uncommitted and will be redelivered');
        return;
      }
    }
    await this.flush();
  }

  /** Stops the timer and notifications; idempotent. `flush()` and `finalCommit()` still work. */
  stop(): void {
    this.#stopped = true;
    this.#closing.abort();
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #enqueue(force: boolean): Promise<void> {
    this.#running = this.#running.then(() => this.#commitOnce(force));
    return this.#running;
  }

  async #commitOnce(force: boolean): Promise<void> {
    if (this.#suspended && !force) return;
    const refresh = Date.now() - this.#lastRefreshAt >= (this.o.refreshIntervalMs ?? 5_000);
    const offsets = this.o.tracker.commitCandidates({ all: refresh });
    if (offsets.length === 0) return;
    if (refresh) this.#lastRefreshAt = Date.now();
    this.#lastStartedAt = Date.now();
    let confirmed: readonly CommitOffset[];
    try {
      confirmed = await this.o.commit(offsets);
    } catch (err) {
      this.o.metrics.commits.inc({ result: 'error' });
      this.o.logger.warn({ err, partitions: offsets.length }, 'offset commit failed; will retry');
      return;
    }
    if (confirmed.length < offsets.length) {
      this.o.metrics.commits.inc({ result: 'unconfirmed' });
      this.o.logger.warn({ partitions: offsets.length, confirmed: confirmed.length }, 'offset commit not confirmed by the broker; will retry');
    }
    if (confirmed.length === 0) return;
    this.o.metrics.commits.inc({ result: 'ok' });
    for (const { topic, partition, offset } of confirmed) {
      this.o.tracker.markCommitted(topic, partition, offset);
      if (this.o.tracker.owns(topic, partition)) this.o.metrics.committedOffset.set({ topic, partition: String(partition) }, Number(offset));
    }
    this.o.onCommitted?.();
  }
}
