import type { Outcome } from '../pipeline/outcome.js';
import { retryDelayMs } from '../platform/retry-policy.js';
import { ATTR } from '../platform/tracing/event-trace.js';
import type { SmtpFailure } from '../smtp/errors.js';
import { endAttemptSpan } from './attempt-span.js';
import type { DispatcherOptions } from './dispatcher-options.js';
import { decideOnFailure } from './failure-decision.js';
import { type Job, type JobBoard, type Letter, whereOf } from './job-board.js';
import { sendAttempt } from './send-attempt.js';
import type { SendQueue } from './send-queue.js';

export interface SendWorkerOptions {
  readonly options: Pick<DispatcherOptions, 'mailer' | 'ledger' | 'breaker' | 'policy' | 'onFatal' | 'metrics' | 'logger'>;
  readonly board: JobBoard;
  readonly queue: Pick<SendQueue, 'pauseWorkers' | 'stale'>;
  /** Some hold is set: nothing new starts. */
  readonly held: () => boolean;
  /** Back in line for a worker. */
  readonly enqueue: (job: Job, letter: Letter) => void;
  /** Settles a final outcome. */
  readonly finish: (job: Job, outcome: Outcome) => Promise<void>;
  /** A failure no retry can fix: nothing starts again. */
  readonly fatal: () => void;
}

/**
 * What a worker does with the job it took: one attempt, then by its result the outcome to settle,
 * the next attempt on a timer (no worker held meanwhile), back in line, or the stop of the service.
 */
export class SendWorker {
  constructor(private readonly w: SendWorkerOptions) {}

  async attempt(job: Job, letter: Letter, tokenAt: number | undefined): Promise<void> {
    const { options: o, board } = this.w;
    if (job.abandoned || job.stage.name !== 'queued') return;
    if (o.breaker.state === 'open' || this.w.held()) {
      // The circuit opened, or a rebalance began, after this job was queued: hold it, spend nothing.
      this.w.queue.pauseWorkers();
      this.w.enqueue(job, letter);
      return;
    }
    if (this.w.queue.stale(tokenAt)) return this.w.enqueue(job, letter);
    board.move(job, { name: 'claiming', letter });
    const span = job.record.trace?.child('smtp send', { kind: 'client', attributes: { [ATTR.attempt]: job.attempts + 1 } });
    const result = await sendAttempt(o, letter, {
      // Revoked, shut down or a rebalance began during the claim: send nothing.
      proceed: () => !job.abandoned && !this.w.held(),
      onExchange: () => board.move(job, { name: 'sending', letter }),
    });
    if (span) endAttemptSpan(span, result);
    // An abandoned job's result is ignored; its slot was kept only while the SMTP exchange ran.
    if (job.abandoned) return board.release(job);
    // An outcome is settled (its receipt or DLQ publish acknowledged) after the worker is free again.
    switch (result.kind) {
      case 'duplicate':
        return void this.w.finish(job, { kind: 'duplicate', messageId: result.messageId, relay: result.relay });
      case 'try-later':
        return this.#scheduleRetry(job, retryDelayMs(o.policy, 1), letter);
      case 'withdrawn':
        return this.w.enqueue(job, letter);
      case 'failed':
        return this.#onFailure(job, result.failure, letter);
      case 'sent':
        job.attempts += 1;
        o.breaker.recordSuccess();
        if (Number.isFinite(job.occurredAt)) o.metrics.endToEnd.observe(Math.max(0, (Date.now() - (job.occurredAt as number)) / 1000));
        return void this.w.finish(job, {
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
    const { options: o, board } = this.w;
    const where = whereOf(job);
    const serverDown = failure.kind === 'transient' && failure.serverWide && o.breaker.recordServerFailure(failure.message);
    const decision = decideOnFailure({ failure, attemptsBefore: job.attempts, policy: o.policy, serverDown });
    switch (decision.kind) {
      case 'stop':
        this.w.fatal();
        o.logger.fatal(
          { ...where, code: failure.code, responseCode: failure.responseCode, error: failure.message },
          'SMTP rejected our credentials or configuration; stopping without dead-lettering',
        );
        // Its exchange has ended: the slot is free now, whatever the stage says.
        board.abandon(job);
        board.release(job);
        o.onFatal(failure);
        return;
      case 'hold':
        this.w.queue.pauseWorkers();
        this.w.enqueue(job, letter);
        return;
      case 'dead-letter':
        job.attempts = decision.attempts;
        void this.w.finish(job, {
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
        o.metrics.retries.inc({ attempt: String(decision.attempts) });
        o.logger.info(
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
      if (!job.abandoned) this.w.enqueue(job, letter);
    }, delayMs);
    this.w.board.move(job, { name: 'waiting', letter, timer });
  }
}
