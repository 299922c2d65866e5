import PQueue from 'p-queue';

import type { ConsumedRecord, Outcome } from '../pipeline/outcome.js';
import { partitionKey, type TopicPartition } from '../pipeline/topic-partition.js';
import { retryDelayMs } from '../platform/retry-policy.js';
import { ATTR } from '../platform/tracing/event-trace.js';
import type { SmtpFailure } from '../smtp/errors.js';
import { endAttemptSpan } from './attempt-span.js';
import { ComposeAhead } from './compose-ahead.js';
import type { DispatcherOptions, HoldReason } from './dispatcher-options.js';
import { decideOnFailure } from './failure-decision.js';
import { type Job, JobBoard, type Letter, newJob, whereOf } from './job-board.js';
import { RateAhead } from './rate/rate-ahead.js';
import { sendAttempt } from './send-attempt.js';

/** A send-rate token is the right to start within its second: one a worker takes up later is taken again. */
const TOKEN_FRESH_MS = 1_000;

/**
 * The worker pool. Each admitted record becomes a job that is parsed, rendered and composed ahead
 * of the workers, then sent by at most `workerCount` concurrent workers, each holding one pooled
 * SMTP connection only for the SMTP exchange; a transient failure schedules the next attempt on a timer and
 * frees the worker; every final outcome is handed to `settle`. Capacity (EMAIL_WORKER_BUFFER) is
 * released only when the job is settled or abandoned.
 */
export class Dispatcher {
  readonly #o: DispatcherOptions;
  readonly #queue: PQueue;
  readonly #composer: ComposeAhead;
  readonly #rateAhead: RateAhead | undefined;
  readonly #board: JobBoard;
  readonly #closing = new AbortController();
  readonly #holds = new Set<HoldReason>();
  #fatal = false;

  constructor(options: DispatcherOptions) {
    this.#o = options;
    this.#board = new JobBoard(options.metrics, options.capacity);
    this.#composer = new ComposeAhead(options.mailer, options.email);
    this.#queue = new PQueue({
      concurrency: options.workerCount,
      ...(options.rateLimitPerSecond > 0 ? { interval: 1000, intervalCap: options.rateLimitPerSecond } : {}),
    });
    const rate = options.sendRate;
    this.#rateAhead = rate && new RateAhead({ rate, maxAhead: 2 * options.workerCount, granted: (job, letter, at) => this.#toWorker(job, letter, at) });
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
    this.#queue.pause();
    this.#rateAhead?.pause();
  }

  unhold(reason: HoldReason): void {
    this.#holds.delete(reason);
    if (this.#holds.size > 0 || this.#fatal || this.#closing.signal.aborted) return;
    this.#queue.start();
    this.#rateAhead?.resume();
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
    this.#rateAhead?.dropAbandoned();
    return count;
  }

  /**
   * Gives up on everything still held: pending retries are cancelled, queued jobs dropped, DLQ
   * publishes aborted. Nothing abandoned is settled, so it is redelivered. Idempotent.
   */
  close(): void {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort(new Error('dispatcher closed'));
    this.#queue.pause();
    this.#queue.clear();
    this.#composer.clear();
    this.#rateAhead?.clear();
    this.#board.abandonWhere(() => true);
  }

  /** Queued: with a cluster send rate its token is taken first (no worker waits for it), then a worker. */
  #enqueue(job: Job, letter: Letter): void {
    this.#board.move(job, { name: 'queued', letter });
    if (this.#rateAhead) this.#rateAhead.add(job, letter);
    else this.#toWorker(job, letter, undefined);
  }

  #toWorker(job: Job, letter: Letter, tokenAt: number | undefined): void {
    this.#queue.add(() => this.#attempt(job, letter, tokenAt)).catch((err: unknown) => this.#o.logger.error({ err }, 'unexpected dispatcher error'));
  }

  async #attempt(job: Job, letter: Letter, tokenAt: number | undefined): Promise<void> {
    if (tokenAt !== undefined) this.#rateAhead?.used();
    if (job.abandoned || job.stage.name !== 'queued') return;
    if (this.#o.breaker.state === 'open' || this.#holds.size > 0) {
      // The circuit opened, or a rebalance began, after this job was queued: hold it, spend nothing.
      this.#queue.pause();
      this.#enqueue(job, letter);
      return;
    }
    // Held up since its token was granted (a hold, every worker busy): starting now could exceed the rate.
    if (tokenAt !== undefined && Date.now() - tokenAt > TOKEN_FRESH_MS) return this.#enqueue(job, letter);
    this.#board.move(job, { name: 'claiming', letter });
    const span = job.record.trace?.child('smtp send', { kind: 'client', attributes: { [ATTR.attempt]: job.attempts + 1 } });
    const result = await sendAttempt(this.#o, letter, {
      // Revoked, shut down or a rebalance began during the claim: send nothing.
      proceed: () => !job.abandoned && this.#holds.size === 0,
      onExchange: () => this.#board.move(job, { name: 'sending', letter }),
    });
    if (span) endAttemptSpan(span, result);
    // An abandoned job's result is ignored; its slot was kept only while the SMTP exchange ran.
    if (job.abandoned) return this.#board.release(job);
    // An outcome is settled (its receipt or DLQ publish acknowledged) after the worker is free again.
    switch (result.kind) {
      case 'duplicate':
        return void this.#finish(job, { kind: 'duplicate', messageId: result.messageId, relay: result.relay });
      case 'try-later':
        return this.#scheduleRetry(job, retryDelayMs(this.#o.policy, 1), letter);
      case 'withdrawn':
        return this.#enqueue(job, letter);
      case 'failed':
        return this.#onFailure(job, result.failure, letter);
      case 'sent':
        job.attempts += 1;
        this.#o.breaker.recordSuccess();
        if (Number.isFinite(job.occurredAt)) this.#o.metrics.endToEnd.observe(Math.max(0, (Date.now() - (job.occurredAt as number)) / 1000));
        return void this.#finish(job, {
          kind: 'sent',
          attempts: job.attempts,
          messageId: letter.prepared.mail.messageId,
          smtpReply: result.smtpReply,
          relay: result.relay,
        });
      default: {
        const never: never = result;
        throw new Error(`unknown attempt result ${JSON.stringify(never)}`);
      }
    }
  }

  #onFailure(job: Job, failure: SmtpFailure, letter: Letter): void {
    const where = whereOf(job);
    const serverDown = failure.kind === 'transient' && failure.serverWide && this.#o.breaker.recordServerFailure(failure.message);
    const decision = decideOnFailure({ failure, attemptsBefore: job.attempts, policy: this.#o.policy, serverDown });
    switch (decision.kind) {
      case 'stop':
        this.#fatal = true;
        this.#queue.pause();
        this.#rateAhead?.pause();
        this.#o.logger.fatal(
          { ...where, code: failure.code, responseCode: failure.responseCode, error: failure.message },
          'SMTP rejected our credentials or configuration; stopping without dead-lettering',
        );
        // Its exchange has ended: the slot is free now, whatever the stage says.
        this.#board.abandon(job);
        this.#board.release(job);
        this.#o.onFatal(failure);
        return;
      case 'hold':
        this.#queue.pause();
        this.#enqueue(job, letter);
        return;
      case 'dead-letter':
        job.attempts = decision.attempts;
        void this.#finish(job, {
          kind: 'dead-letter',
          reason: decision.reason,
          error: failure.message,
          smtpCode: failure.responseCode,
          attempts: decision.attempts,
          relay: failure.relay,
        });
        return;
      case 'retry':
        job.attempts = decision.attempts;
        this.#o.metrics.retries.inc({ attempt: String(decision.attempts) });
        this.#o.logger.info(
          { ...where, attempt: decision.attempts, delayMs: decision.delayMs, code: failure.code, responseCode: failure.responseCode },
          'transient SMTP failure; retry scheduled',
        );
        this.#scheduleRetry(job, decision.delayMs, letter);
        return;
      default: {
        const never: never = decision;
        throw new Error(`unknown decision ${JSON.stringify(never)}`);
      }
    }
  }

  /** The job waits on a timer, holding no worker slot. */
  #scheduleRetry(job: Job, delayMs: number, letter: Letter): void {
    if (job.abandoned) return;
    // Cut short by abandonment, it ends with the event's span.
    const wait = job.record.trace?.child('retry wait', { kind: 'internal', attributes: { [ATTR.delayMs]: delayMs, [ATTR.attempts]: job.attempts } });
    const timer = setTimeout(() => {
      wait?.end();
      if (!job.abandoned) this.#enqueue(job, letter);
    }, delayMs);
    this.#board.move(job, { name: 'waiting', letter, timer });
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
