import PQueue from 'p-queue';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { partitionKey, type TopicPartition } from '../pipeline/topic-partition.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { JobBoard, newJob, type Job } from './job-board.js';
import type { Capacity } from './capacity.js';
import type { Mailer, PreparedMail } from './mailer.js';
import type { ConsumedRecord, Outcome } from '../pipeline/outcome.js';
import { renderWelcomeEmail, type WelcomeEmail } from './render-welcome-email.js';
import { decideOnFailure } from './failure-decision.js';
import { retryDelayMs, type RetryPolicy } from '../platform/retry-policy.js';
import { LedgerUnavailableError, type SentLedger } from './sent-ledger.js';
import { classifySmtpError, type SmtpFailure } from './smtp-errors.js';

export interface DispatcherOptions {
  readonly mailer: Mailer;
  readonly ledger: SentLedger;
  readonly breaker: CircuitBreaker;
  readonly capacity: Capacity;
  readonly policy: RetryPolicy;
  readonly workerCount: number;
  /** Sends started per second; 0 = unlimited. */
  readonly rateLimitPerSecond: number;
  readonly email: { readonly from: string; readonly domain: string };
  /** Makes the outcome durable (DLQ ack) and settles the offset. Rejects only when aborted. */
  readonly settle: (record: ConsumedRecord, outcome: Outcome, signal: AbortSignal) => Promise<void>;
  /** A failure no retry can fix (SMTP auth): the service must stop without dead-lettering. */
  readonly onFatal: (failure: SmtpFailure) => void;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/**
 * Why sends are held: the SMTP circuit is open, or a rebalance is under way (partitions may move,
 * so nothing new starts until the new assignment is known).
 */
export type HoldReason = 'circuit' | 'rebalance';

/** What a worker sends: the event's id (for the sent ledger) and the composed message. */
interface Letter {
  readonly eventId: string;
  readonly prepared: PreparedMail;
}

/** Messages composed at once ahead of the workers: enough to keep them fed, in admission order. */
const PREPARE_CONCURRENCY = 4;

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
  readonly #preparing = new PQueue({ concurrency: PREPARE_CONCURRENCY });
  readonly #board: JobBoard;
  readonly #closing = new AbortController();
  readonly #holds = new Set<HoldReason>();
  #fatal = false;

  constructor(options: DispatcherOptions) {
    this.#o = options;
    this.#board = new JobBoard(options.metrics);
    this.#queue = new PQueue({
      concurrency: options.workerCount,
      ...(options.rateLimitPerSecond > 0 ? { interval: 1000, intervalCap: options.rateLimitPerSecond } : {}),
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
    if (!parsed.ok) {
      void this.#finish(job, { kind: 'dead-letter', reason: 'invalid_event', error: parsed.error, smtpCode: undefined, attempts: 0 });
      return;
    }
    if (parsed.nameDropped) {
      this.#o.metrics.namesDropped.inc({ reason: parsed.nameDropped });
      this.#o.logger.info({ ...this.#where(job), reason: parsed.nameDropped }, 'display name dropped; sending without it');
    }
    const mail = renderWelcomeEmail(parsed.event, this.#o.email);
    job.occurredAt = Date.parse(parsed.event.occurredAt);
    this.#board.move(job, 'preparing');
    this.#preparing.add(() => this.#prepare(job, parsed.event.eventId, mail)).catch((err: unknown) => this.#o.logger.error({ err }, 'unexpected dispatcher error'));
  }

  /** Starts no new send until every hold is lifted; sends in flight finish. */
  hold(reason: HoldReason): void {
    this.#holds.add(reason);
    this.#queue.pause();
  }

  unhold(reason: HoldReason): void {
    this.#holds.delete(reason);
    if (this.#holds.size === 0 && !this.#fatal && !this.#closing.signal.aborted) this.#queue.start();
  }

  /** Resolves when no SMTP send (or its ledger claim) is in progress; with a hold, none starts again. */
  whenNoSendInFlight(signal?: AbortSignal): Promise<void> {
    return this.#board.whenNoSendInFlight(signal);
  }

  /** Drops every job (membership lost): nothing of theirs is settled; the next owners redeliver them. */
  abandonAll(): number {
    const jobs = this.#board.all();
    for (const job of jobs) this.#abandon(job);
    return jobs.length;
  }

  /**
   * Drops every job of the given partitions (revoked in a rebalance): retries are cancelled and
   * nothing of theirs is settled; the new owner redelivers them.
   */
  abandonPartitions(partitions: readonly TopicPartition[]): number {
    const revoked = new Set(partitions.map(partitionKey));
    let count = 0;
    for (const job of this.#board.all()) {
      if (revoked.has(partitionKey(job.record))) {
        this.#abandon(job);
        count += 1;
      }
    }
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
    this.#preparing.clear();
    for (const job of this.#board.all()) this.#abandon(job);
  }

  async #prepare(job: Job, eventId: string, mail: WelcomeEmail): Promise<void> {
    if (job.abandoned) return;
    let letter: Letter;
    try {
      letter = { eventId, prepared: await this.#o.mailer.prepare(mail) };
    } catch (err) {
      const error = `the email could not be composed: ${err instanceof Error ? err.message : String(err)}`;
      void this.#finish(job, { kind: 'dead-letter', reason: 'invalid_event', error, smtpCode: undefined, attempts: 0 });
      return;
    }
    if (!job.abandoned) this.#enqueue(job, letter);
  }

  #enqueue(job: Job, letter: Letter): void {
    this.#board.move(job, 'queued');
    this.#queue
      .add(() => this.#attempt(job, letter))
      .catch((err: unknown) => this.#o.logger.error({ err }, 'unexpected dispatcher error'));
  }

  async #attempt(job: Job, letter: Letter): Promise<void> {
    if (job.abandoned || job.state !== 'queued') return;
    if (this.#o.breaker.state === 'open' || this.#holds.size > 0) {
      // The circuit opened, or a rebalance began, after this job was queued: hold it, spend nothing.
      this.#queue.pause();
      this.#enqueue(job, letter);
      return;
    }
    const { eventId, prepared } = letter;
    this.#board.move(job, 'sending');
    try {
      const claim = await this.#o.ledger.claim(eventId);
      if (claim === 'already-sent') {
        this.#o.metrics.duplicatesSkipped.inc();
        await this.#finish(job, { kind: 'duplicate' });
        return;
      }
      if (claim === 'busy') {
        // Another instance is sending it right now (rebalance overlap); look again later.
        this.#scheduleRetry(job, retryDelayMs(this.#o.policy, 1), letter);
        return;
      }
    } catch (err) {
      const unavailable = err instanceof LedgerUnavailableError;
      // The ledger logs the outage itself (rate-limited); one line per held message would flood.
      this.#o.logger.debug({ err, eventId, unavailable }, 'sent ledger claim failed; holding message');
      this.#scheduleRetry(job, retryDelayMs(this.#o.policy, 1), letter);
      return;
    }
    if (job.abandoned || this.#holds.size > 0) {
      // Revoked, shut down or a rebalance began between claim and send: free the claim so the next
      // owner need not wait out the lease; a held job goes back to the queue.
      await this.#o.ledger.release(eventId).catch(() => {});
      if (job.abandoned) this.#release(job);
      else this.#enqueue(job, letter);
      return;
    }

    const started = performance.now();
    job.inSend = true;
    try {
      await this.#o.mailer.send(prepared);
    } catch (err) {
      job.inSend = false;
      const failure = classifySmtpError(err);
      this.#o.metrics.sendDuration.observe({ outcome: failure.kind }, (performance.now() - started) / 1000);
      this.#o.metrics.sendFailures.inc({ class: failure.kind });
      await this.#o.ledger.release(eventId).catch(() => {});
      if (job.abandoned) this.#release(job);
      else this.#onFailure(job, failure, letter);
      return;
    }
    job.inSend = false;
    const seconds = (performance.now() - started) / 1000;
    job.attempts += 1;
    this.#o.breaker.recordSuccess();
    this.#o.metrics.sendDuration.observe({ outcome: 'sent' }, seconds);
    this.#o.metrics.sent.inc();
    if (job.occurredAt !== undefined && Number.isFinite(job.occurredAt)) {
      this.#o.metrics.endToEnd.observe(Math.max(0, (Date.now() - job.occurredAt) / 1000));
    }
    await this.#o.ledger.markSent(eventId).catch((err: unknown) => {
      this.#o.metrics.ledgerErrors.inc();
      this.#o.logger.warn({ err, eventId }, 'sent ledger could not record a sent event');
    });
    if (job.abandoned) this.#release(job);
    else await this.#finish(job, { kind: 'sent', attempts: job.attempts });
  }

  #onFailure(job: Job, failure: SmtpFailure, letter: Letter): void {
    const where = this.#where(job);
    const serverDown = failure.kind === 'transient' && failure.serverWide && this.#o.breaker.recordServerFailure(failure.message);
    const decision = decideOnFailure({ failure, attemptsBefore: job.attempts, policy: this.#o.policy, serverDown });
    switch (decision.kind) {
      case 'stop':
        this.#fatal = true;
        this.#queue.pause();
        this.#o.logger.fatal({ ...where, code: failure.code, responseCode: failure.responseCode, error: failure.message }, 'SMTP rejected our credentials or configuration; stopping without dead-lettering');
        this.#abandon(job);
        this.#o.onFatal(failure);
        return;
      case 'hold':
        this.#queue.pause();
        this.#enqueue(job, letter);
        return;
      case 'dead-letter':
        job.attempts = decision.attempts;
        void this.#finish(job, { kind: 'dead-letter', reason: decision.reason, error: failure.message, smtpCode: failure.responseCode, attempts: decision.attempts });
        return;
      case 'retry':
        job.attempts = decision.attempts;
        this.#o.metrics.retries.inc({ attempt: String(decision.attempts) });
        this.#o.logger.info({ ...where, attempt: decision.attempts, delayMs: decision.delayMs, code: failure.code, responseCode: failure.responseCode }, 'transient SMTP failure; retry scheduled');
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
    this.#board.move(job, 'waiting');
    job.timer = setTimeout(() => {
      job.timer = undefined;
      if (!job.abandoned) this.#enqueue(job, letter);
    }, delayMs);
  }

  async #finish(job: Job, outcome: Outcome): Promise<void> {
    if (job.abandoned) return;
    this.#board.move(job, 'settling');
    try {
      await this.#o.settle(job.record, outcome, AbortSignal.any([this.#closing.signal, job.abandon.signal]));
    } catch (err) {
      if (!this.#closing.signal.aborted && !job.abandoned) this.#o.logger.error({ err, ...this.#where(job) }, 'settling failed; message stays uncommitted');
      this.#abandon(job);
      return;
    }
    this.#release(job);
  }

  #abandon(job: Job): void {
    if (job.abandoned || job.state === 'done') return;
    job.abandoned = true;
    clearTimeout(job.timer);
    job.timer = undefined;
    // A DLQ publish in progress stops: the next owner dead-letters the record, not both of us.
    job.abandon.abort(new Error('job abandoned'));
    // A send in progress keeps its buffer slot until the SMTP exchange ends (its result is ignored);
    // freeing it now would let intake admit more than EMAIL_WORKER_BUFFER messages.
    if (!job.inSend) this.#release(job);
  }

  #release(job: Job): void {
    if (job.state === 'done') return;
    this.#board.move(job, 'done');
    this.#o.capacity.release();
  }

  #where(job: Job) {
    const { topic, partition, message } = job.record;
    return { topic, partition, offset: message.offset, eventId: job.eventId };
  }
}

