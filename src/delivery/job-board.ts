import type { PreparedMail } from '../email/compose-welcome-email.js';
import type { Capacity } from '../pipeline/capacity.js';
import type { ConsumedRecord } from '../pipeline/outcome.js';
import { abortableWait } from '../platform/abortable-wait.js';
import type { Metrics } from '../platform/metrics.js';
import { ATTR } from '../platform/tracing/event-trace.js';

/** What a worker sends: the event's id (for the sent ledger) and the composed message. */
export interface Letter {
  readonly eventId: string;
  readonly prepared: PreparedMail;
}

/** Where a job is; what exists only in one stage (the letter, the retry timer) lives in that stage. */
export type JobStage =
  | { readonly name: 'new' }
  /** Rendered, being composed ahead of the workers. */
  | { readonly name: 'preparing' }
  /** Waiting for a worker (or held). */
  | { readonly name: 'queued'; readonly letter: Letter }
  /** A worker asks the sent ledger for the claim. */
  | { readonly name: 'claiming'; readonly letter: Letter }
  /** The SMTP exchange runs: an abandoned job keeps its buffer slot until it ends. */
  | { readonly name: 'sending'; readonly letter: Letter }
  /** A retry timer runs; no worker is held. */
  | { readonly name: 'waiting'; readonly letter: Letter; readonly timer: NodeJS.Timeout }
  /** The outcome is made durable (a DLQ publish) and the offset settled. */
  | { readonly name: 'settling' }
  | { readonly name: 'done' };

/** One admitted record on its way through the pool. */
export interface Job {
  readonly record: ConsumedRecord;
  /** When the sign-up happened (ms since the epoch); undefined for an event that did not parse. */
  readonly occurredAt: number | undefined;
  /** Send attempts spent so far. */
  attempts: number;
  stage: JobStage;
  /** Revoked, closed or membership lost: nothing of it is settled any more. */
  abandoned: boolean;
  /** Aborts this job's settle (a DLQ publish) when it is abandoned. */
  readonly abandon: AbortController;
}

export function newJob(record: ConsumedRecord): Job {
  const occurredAt = record.parsed.ok ? Date.parse(record.parsed.event.occurredAt) : undefined;
  return { record, occurredAt, attempts: 0, stage: { name: 'new' }, abandoned: false, abandon: new AbortController() };
}

/** Where a job's record comes from, for log lines (never its address). */
export function whereOf(job: Job) {
  const { topic, partition, message, eventId, trace } = job.record;
  return { topic, partition, offset: message.offset, eventId, traceId: trace?.traceId };
}

type Counted = 'queued' | 'sending' | 'waiting';

/** The gauge a stage counts in: a job being composed waits for a worker too; a ledger claim is part of the send. */
function countedAs(stage: JobStage['name']): Counted | undefined {
  switch (stage) {
    case 'preparing':
    case 'queued':
      return 'queued';
    case 'claiming':
    case 'sending':
      return 'sending';
    case 'waiting':
      return 'waiting';
    default:
      return undefined;
  }
}

/** The jobs in the pool and their stages, kept in step with the queued / in-flight / retry-waiting gauges. */
export class JobBoard {
  readonly #jobs = new Set<Job>();
  readonly #counts = { queued: 0, sending: 0, waiting: 0 };
  readonly #sendsIdle = new Set<() => void>();

  constructor(
    private readonly metrics: Metrics,
    private readonly capacity: Pick<Capacity, 'release'>,
  ) {}

  get counts(): { readonly queued: number; readonly sending: number; readonly waiting: number; readonly total: number } {
    return { ...this.#counts, total: this.#jobs.size };
  }

  add(job: Job): void {
    this.#jobs.add(job);
  }

  /** Moves `job` to `stage`; 'done' takes it off the board. */
  move(job: Job, stage: JobStage): void {
    const c = this.#counts;
    const from = countedAs(job.stage.name);
    const to = countedAs(stage.name);
    if (from) c[from] -= 1;
    job.stage = stage;
    if (to) c[to] += 1;
    if (stage.name === 'done') this.#jobs.delete(job);
    this.metrics.queued.set(c.queued);
    this.metrics.inFlight.set(c.sending);
    this.metrics.retryWaiting.set(c.waiting);
    if (c.sending === 0 && this.#sendsIdle.size > 0) {
      for (const done of [...this.#sendsIdle]) done();
      this.#sendsIdle.clear();
    }
  }

  /**
   * Nothing of the job is settled any more: its retry timer is cancelled, its DLQ publish aborted
   * (the next owner dead-letters the record, not both of us). A job in its SMTP exchange keeps its
   * buffer slot until the exchange ends (its result is ignored): freeing it now would let intake
   * admit more than EMAIL_WORKER_BUFFER messages.
   */
  abandon(job: Job): void {
    if (job.abandoned || job.stage.name === 'done') return;
    job.abandoned = true;
    if (job.stage.name === 'waiting') clearTimeout(job.stage.timer);
    job.abandon.abort(new Error('job abandoned'));
    if (job.stage.name !== 'sending') this.release(job);
  }

  /** Abandons the jobs `which` picks; returns how many. */
  abandonWhere(which: (job: Job) => boolean): number {
    const picked = [...this.#jobs].filter(which);
    for (const job of picked) this.abandon(job);
    return picked.length;
  }

  /** The job is settled or abandoned: off the board, its buffer slot free. Idempotent. */
  release(job: Job): void {
    if (job.stage.name === 'done') return;
    this.move(job, { name: 'done' });
    this.capacity.release();
    // Settled or abandoned: the event's span ends here either way.
    job.record.trace?.end(job.abandoned ? { [ATTR.outcome]: 'abandoned' } : undefined);
  }

  /** Resolves when no job is in its send (or ledger claim). */
  whenNoSendInFlight(signal?: AbortSignal): Promise<void> {
    if (this.#counts.sending === 0) return Promise.resolve();
    return abortableWait(signal, (done) => {
      this.#sendsIdle.add(done);
      return () => this.#sendsIdle.delete(done);
    });
  }
}
