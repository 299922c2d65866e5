import type { Metrics } from '../platform/metrics.js';
import { abortableWait } from '../platform/abortable-wait.js';
import type { ConsumedRecord } from '../pipeline/outcome.js';

export type JobState = 'new' | 'preparing' | 'queued' | 'sending' | 'waiting' | 'settling' | 'done';

/** One admitted record on its way through the pool. */
export interface Job {
  readonly record: ConsumedRecord;
  readonly eventId: string | undefined;
  occurredAt: number | undefined;
  attempts: number;
  state: JobState;
  timer: NodeJS.Timeout | undefined;
  abandoned: boolean;
  /** True while the SMTP exchange runs: an abandoned job keeps its slot until it ends. */
  inSend: boolean;
  /** Aborts this job's settle (a DLQ publish) when it is abandoned. */
  readonly abandon: AbortController;
}

export function newJob(record: ConsumedRecord): Job {
  return { record, eventId: record.eventId, occurredAt: undefined, attempts: 0, state: 'new', timer: undefined, abandoned: false, inSend: false, abandon: new AbortController() };
}

/** The gauge a state counts in: a job being composed is waiting for a worker too. */
function countedAs(state: JobState): 'queued' | 'sending' | 'waiting' | undefined {
  if (state === 'preparing') return 'queued';
  return state === 'queued' || state === 'sending' || state === 'waiting' ? state : undefined;
}

/** The jobs in the pool and their states, kept in step with the queued / in-flight / retry-waiting gauges. */
export class JobBoard {
  readonly #jobs = new Set<Job>();
  readonly #counts = { queued: 0, sending: 0, waiting: 0 };
  readonly #sendsIdle = new Set<() => void>();

  constructor(private readonly metrics: Metrics) {}

  get counts(): { readonly queued: number; readonly sending: number; readonly waiting: number; readonly total: number } {
    return { ...this.#counts, total: this.#jobs.size };
  }

  all(): Job[] {
    return [...this.#jobs];
  }

  add(job: Job): void {
    this.#jobs.add(job);
  }

  /** Moves `job` to `state`; 'done' takes it off the board. */
  move(job: Job, state: JobState): void {
    const c = this.#counts;
    const from = countedAs(job.state);
    const to = countedAs(state);
    if (from) c[from] -= 1;
    job.state = state;
    if (to) c[to] += 1;
    if (state === 'done') this.#jobs.delete(job);
    this.metrics.queued.set(c.queued);
    this.metrics.inFlight.set(c.sending);
    this.metrics.retryWaiting.set(c.waiting);
    if (c.sending === 0 && this.#sendsIdle.size > 0) {
      for (const done of [...this.#sendsIdle]) done();
      this.#sendsIdle.clear();
    }
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
