import PQueue from 'p-queue';
import { abortableWait } from '../platform/abortable-wait.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { partitionKey, type TopicPartition } from '../pipeline/topic-partition.js';
import type { CircuitBreaker } from './circuit-breaker.js';
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

interface Job {
  readonly record: ConsumedRecord;
  readonly eventId: string | undefined;
  mail: WelcomeEmail | undefined;
  prepared: PreparedMail | undefined;
  occurredAt: number | undefined;
  attempts: number;
  state: 'new' | 'preparing' | 'queued' | 'sending' | 'waiting' | 'settling' | 'done';
  timer: NodeJS.Timeout | undefined;
  abandoned: boolean;
  /** True while the SMTP exchange runs: an abandoned job keeps its slot until it ends. */
  inSend: boolean;
  /** Aborts this job's settle (a DLQ publish) when it is abandoned. */
  readonly abandon: AbortController;
}

/**
 * Why sends are held: the SMTP circuit is open, or a rebalance is under way (partitions may move,
 * so nothing new starts until the new assignment is known).
 */
export type HoldReason = 'circuit' | 'rebalance';

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
  readonly #jobs = new Set<Job>();
  readonly #closing = new AbortController();
  readonly #holds = new Set<HoldReason>();
  readonly #sendsIdle = new Set<() => void>();
  #fatal = false;
  #counts = { queued: 0, sending: 0, waiting: 0 };

  constructor(options: DispatcherOptions) {
    this.#o = options;
    this.#queue = new PQueue({
      concurrency: options.workerCount,
      ...(options.rateLimitPerSecond > 0 ? { interval: 1000, intervalCap: options.rateLimitPerSecond } : {}),
    });
  }

  /** Messages in the pool by state (the gauges read these). */
  get counts(): { readonly queued: number; readonly sending: number; readonly waiting: number; readonly total: number } {
    return { ...this.#counts, total: this.#jobs.size };
  }

  /** Takes an admitted record (capacity already acquired by intake). Never throws, never blocks. */
  submit(record: ConsumedRecord): void {
    const { parsed } = record;
    const job: Job = {
      record,
      eventId: record.eventId,
      mail: undefined,
      prepared: undefined,
      occurredAt: undefined,
      attempts: 0,
      state: 'new',
      timer: undefined,
      abandoned: false,
      inSend: false,
      abandon: new AbortController(),
    };
    this.#jobs.add(job);
    if (!parsed.ok) {
      void this.#finish(job, { kind: 'dead-letter', reason: 'invalid_event', error: parsed.error, smtpCode: undefined, attempts: 0 });
      return;
    }
    if (parsed.nameDropped) {
      this.#o.metrics.namesDropped.inc({ reason: parsed.nameDropped });
      this.#o.logger.info({ ...this.#where(job), reason: parsed.nameDropped }, 'display name dropped; sending without it');
    }
    job.mail = renderWelcomeEmail(parsed.event, this.#o.email);
    job.occurredAt = Date.parse(parsed.event.occurredAt);
    this.#setState(job, 'preparing');
    this.#preparing.add(() => this.#prepare(job)).catch((err: unknown) => this.#o.logger.error({ err }, 'unexpected dispatcher error'));
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
    if (this.#counts.sending === 0) return Promise.resolve();
    return abortableWait(signal, (done) => {
      this.#sendsIdle.add(done);
      return () => this.#sendsIdle.delete(done);
    });
  }

  /** Drops every job (membership lost): nothing of theirs is settled; the next owners redeliver them. */
  abandonAll(): number {
    const count = this.#jobs.size;
    for (const job of [...this.#jobs]) this.#abandon(job);
    return count;
  }

  /**
   * Drops every job of the given partitions (revoked in a rebalance): retries are cancelled and
   * nothing of theirs is settled; the new owner redelivers them.
   */
  abandonPartitions(partitions: readonly TopicPartition[]): number {
    const revoked = new Set(partitions.map(partitionKey));
    let count = 0;
    for (const job of this.#jobs) {
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
    for (const job of [...this.#jobs]) this.#abandon(job);
  }

  async #prepare(job: Job): Promise<void> {
    if (job.abandoned) return;
    try {
      job.prepared = await this.#o.mailer.prepare(job.mail as WelcomeEmail);
    } catch (err) {
      const error = `the email could not be composed: ${err instanceof Error ? err.message : String(err)}`;
      void this.#finish(job, { kind: 'dead-letter', reason: 'invalid_event', error, smtpCode: undefined, attempts: 0 });
      return;
    }
    if (!job.abandoned) this.#enqueue(job);
  }

  #enqueue(job: Job): void {
    this.#setState(job, 'queued');
    this.#queue
      .add(() => this.#attempt(job))
      .catch((err: unknown) => this.#o.logger.error({ err }, 'unexpected dispatcher error'));
  }

  async #attempt(job: Job): Promise<void> {
    if (job.abandoned || job.state !== 'queued') return;
    if (this.#o.breaker.state === 'open' || this.#holds.size > 0) {
      // The circuit opened, or a rebalance began, after this job was queued: hold it, spend nothing.
      this.#queue.pause();
      this.#enqueue(job);
      return;
    }
    const eventId = job.eventId as string;
    const prepared = job.prepared as PreparedMail;
    this.#setState(job, 'sending');
    try {
      const claim = await this.#o.ledger.claim(eventId);
      if (claim === 'already-sent') {
        this.#o.metrics.duplicatesSkipped.inc();
        await this.#finish(job, { kind: 'duplicate' });
        return;
      }
      if (claim === 'busy') {
        // Another instance is sending it right now (rebalance overlap); look again later.
        this.#scheduleRetry(job, retryDelayMs(this.#o.policy, 1));
        return;
      }
    } catch (err) {
      const unavailable = err instanceof LedgerUnavailableError;
      // The ledger logs the outage itself (rate-limited); one line per held message would flood.
      this.#o.logger.debug({ err, eventId, unavailable }, 'sent ledger claim failed; holding message');
      this.#scheduleRetry(job, retryDelayMs(this.#o.policy, 1));
      return;
    }
    if (job.abandoned || this.#holds.size > 0) {
      // Revoked, shut down or a rebalance began between claim and send: free the claim so the next
      // owner need not wait out the lease; a held job goes back to the queue.
      await this.#o.ledger.release(eventId).catch(() => {});
      if (job.abandoned) this.#release(job);
      else this.#enqueue(job);
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
      else this.#onFailure(job, failure);
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

  #onFailure(job: Job, failure: SmtpFailure): void {
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
        this.#enqueue(job);
        return;
      case 'dead-letter':
        job.attempts = decision.attempts;
        void this.#finish(job, { kind: 'dead-letter', reason: decision.reason, error: failure.message, smtpCode: failure.responseCode, attempts: decision.attempts });
        return;
      case 'retry':
        job.attempts = decision.attempts;
        this.#o.metrics.retries.inc({ attempt: String(decision.attempts) });
        this.#o.logger.info({ ...where, attempt: decision.attempts, delayMs: decision.delayMs, code: failure.code, responseCode: failure.responseCode }, 'transient SMTP failure; retry scheduled');
        this.#scheduleRetry(job, decision.delayMs);
        return;
      default: {
        const never: never = decision;
        throw new Error(`unknown decision ${JSON.stringify(never)}`);
      }
    }
  }

  /** The job waits on a timer, holding no worker slot. */
  #scheduleRetry(job: Job, delayMs: number): void {
    if (job.abandoned) return;
    this.#setState(job, 'waiting');
    job.timer = setTimeout(() => {
      job.timer = undefined;
      if (!job.abandoned) this.#enqueue(job);
    }, delayMs);
  }

  async #finish(job: Job, outcome: Outcome): Promise<void> {
    if (job.abandoned) return;
    this.#setState(job, 'settling');
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
    this.#setState(job, 'done');
    this.#jobs.delete(job);
    this.#o.capacity.release();
  }

  #setState(job: Job, state: Job['state']): void {
    const c = this.#counts;
    const from = countedAs(job.state);
    const to = countedAs(state);
    if (from) c[from] -= 1;
    job.state = state;
    if (to) c[to] += 1;
    this.#o.metrics.queued.set(c.queued);
    this.#o.metrics.inFlight.set(c.sending);
    if (c.sending === 0 && this.#sendsIdle.size > 0) {
      for (const done of [...this.#sendsIdle]) done();
      this.#sendsIdle.clear();
    }
    this.#o.metrics.retryWaiting.set(c.waiting);
  }

  #where(job: Job) {
    const { topic, partition, message } = job.record;
    return { topic, partition, offset: message.offset, eventId: job.eventId };
  }
}

/** The gauge a state counts in: a job being composed is waiting for a worker too. */
function countedAs(state: Job['state']): 'queued' | 'sending' | 'waiting' | undefined {
  if (state === 'preparing') return 'queued';
  return state === 'queued' || state === 'sending' || state === 'waiting' ? state : undefined;
}
