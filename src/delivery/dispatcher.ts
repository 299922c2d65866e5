import type { ConsumedRecord, Outcome } from '../pipeline/outcome.js';
import { partitionKey, type TopicPartition } from '../pipeline/topic-partition.js';
import { ComposeAhead } from './compose-ahead.js';
import type { DispatcherOptions, HoldReason } from './dispatcher-options.js';
import { type Job, JobBoard, type Letter, newJob, whereOf } from './job-board.js';
import { SendQueue } from './send-queue.js';
import { SendWorker } from './send-worker.js';

/**
 * The worker pool. Each admitted record becomes a job that is parsed, rendered and composed ahead
 * of the workers, then sent by at most `workerCount` concurrent workers, each holding one pooled
 * SMTP connection only for the SMTP exchange; a transient failure schedules the next attempt on a timer and
 * frees the worker; every final outcome is handed to `settle`. Capacity (EMAIL_WORKER_BUFFER) is
 * released only when the job is settled or abandoned.
 */
export class Dispatcher {
  readonly #o: DispatcherOptions;
  readonly #sends: SendQueue;
  readonly #composer: ComposeAhead;
  readonly #board: JobBoard;
  readonly #closing = new AbortController();
  readonly #holds = new Set<HoldReason>();
  #fatal = false;

  constructor(options: DispatcherOptions) {
    this.#o = options;
    this.#board = new JobBoard(options.metrics, options.capacity);
    this.#composer = new ComposeAhead(options.mailer, options.email);
    this.#sends = new SendQueue({
      workerCount: options.workerCount,
      rateLimitPerSecond: options.rateLimitPerSecond,
      sendRate: options.sendRate,
      attempt: (job, letter, tokenAt) => worker.attempt(job, letter, tokenAt),
      onError: (err) => this.#o.logger.error({ err }, 'unexpected dispatcher error'),
    });
    const worker = new SendWorker({
      options,
      board: this.#board,
      queue: this.#sends,
      held: () => this.#holds.size > 0,
      enqueue: (job, letter) => this.#enqueue(job, letter),
      finish: (job, outcome) => this.#finish(job, outcome),
      fatal: () => {
        this.#fatal = true;
        this.#sends.pause();
      },
    });
  }

  /** Messages in the pool by state (the gauges read these). */
  get counts(): JobBoard['counts'] {
    return this.#board.counts;
  }

  /** Takes an admitted record (capacity already acquired by intake). Never throws, never blocks. */
  submit(record: ConsumedRecord): void {
    const { parsed } = record;
    const job = newJob(record);
    this.#board.add(job);
    // Closed: nothing new is settled (so `job.abandon` alone stands for closing and revocation).
    if (this.#closing.signal.aborted) return this.#board.abandon(job);
    if (!parsed.ok) {
      const skip = parsed.unmappedType !== undefined && this.#o.unmappedEventTypes === 'skip';
      void this.#finish(
        job,
        skip
          ? { kind: 'skipped', reason: 'unmapped_event_type', eventType: parsed.unmappedType as string }
          : { kind: 'dead-letter', reason: 'invalid_event', error: parsed.error, smtpCode: undefined, attempts: 0 },
      );
      return;
    }
    if (parsed.nameDropped) {
      this.#o.metrics.namesDropped.inc({ reason: parsed.nameDropped });
      this.#o.logger.info({ ...whereOf(job), reason: parsed.nameDropped }, 'display name dropped; sending without it');
    }
    this.#board.move(job, { name: 'preparing' });
    this.#composer
      .compose(parsed.event, parsed.template, () => !job.abandoned)
      .then(
        (letter) => {
          if (letter && !job.abandoned) this.#enqueue(job, letter);
        },
        (err: unknown) => {
          const error = `the email could not be composed: ${err instanceof Error ? err.message : String(err)}`;
          void this.#finish(job, { kind: 'dead-letter', reason: 'invalid_event', error, smtpCode: undefined, attempts: 0 });
        },
      );
  }

  /** Starts no new send until every hold is lifted; sends in flight finish. */
  hold(reason: HoldReason): void {
    this.#holds.add(reason);
    this.#sends.pause();
  }

  unhold(reason: HoldReason): void {
    this.#holds.delete(reason);
    if (this.#holds.size > 0 || this.#fatal || this.#closing.signal.aborted) return;
    this.#sends.resume();
  }

  /** Resolves when no SMTP send (or its ledger claim) is in progress; with a hold, none starts again. */
  whenNoSendInFlight(signal?: AbortSignal): Promise<void> {
    return this.#board.whenNoSendInFlight(signal);
  }

  /** Drops every job (membership lost): nothing of theirs is settled; the next owners redeliver them. */
  abandonAll(): number {
    return this.#abandonWhere(() => true);
  }

  /**
   * Drops every job of the given partitions (revoked in a rebalance): retries are cancelled and
   * nothing of theirs is settled; the new owner redelivers them.
   */
  abandonPartitions(partitions: readonly TopicPartition[]): number {
    const revoked = new Set(partitions.map(partitionKey));
    return this.#abandonWhere((job) => revoked.has(partitionKey(job.record)));
  }

  #abandonWhere(which: (job: Job) => boolean): number {
    const count = this.#board.abandonWhere(which);
    this.#sends.dropAbandoned();
    return count;
  }

  /**
   * Gives up on everything still held: pending retries are cancelled, queued jobs dropped, DLQ
   * publishes aborted. Nothing abandoned is settled, so it is redelivered. Idempotent.
   */
  close(): void {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort(new Error('dispatcher closed'));
    this.#sends.close();
    this.#composer.clear();
    this.#board.abandonWhere(() => true);
  }

  /** Queued: with a cluster send rate its token is taken first (no worker waits for it), then a worker. */
  #enqueue(job: Job, letter: Letter): void {
    this.#board.move(job, { name: 'queued', letter });
    this.#sends.add(job, letter);
  }

  async #finish(job: Job, outcome: Outcome): Promise<void> {
    if (job.abandoned) return;
    this.#board.move(job, { name: 'settling' });
    try {
      // Not AbortSignal.any([closing, abandon]): one per event on the long-lived closing signal piles up
      // (nodejs/node#55351, #64476). close() abandons every job, so the job's own signal says both.
      await this.#o.settle(job.record, outcome, job.abandon.signal);
    } catch (err) {
      if (!this.#closing.signal.aborted && !job.abandoned) this.#o.logger.error({ err, ...whereOf(job) }, 'settling failed; message stays uncommitted');
      this.#board.abandon(job);
      return;
    }
    this.#board.release(job);
  }
}
