import PQueue from 'p-queue';

import type { Job, Letter } from './job-board.js';
import { RateAhead } from './rate/rate-ahead.js';
import type { SendRate } from './rate/send-rate.js';

/** A send-rate token is the right to start within its second: one a worker takes up later is taken again. */
const TOKEN_FRESH_MS = 1_000;

export interface SendQueueOptions {
  readonly workerCount: number;
  /** Sends started per second by this pool; 0 = unlimited. */
  readonly rateLimitPerSecond: number;
  /** A budget shared with other replicas, its token taken before a job waits for a worker. */
  readonly sendRate: SendRate | undefined;
  /** A worker's turn with a job; `tokenAt` is when its send-rate token was granted (undefined without a shared budget). */
  readonly attempt: (job: Job, letter: Letter, tokenAt: number | undefined) => Promise<void>;
  readonly onError: (err: unknown) => void;
}

/**
 * The line to the workers: at most `workerCount` attempts at once and, with a shared send rate, each
 * job's token taken first (no worker waits for it).
 */
export class SendQueue {
  readonly #queue: PQueue;
  readonly #rateAhead: RateAhead | undefined;

  constructor(private readonly o: SendQueueOptions) {
    this.#queue = new PQueue({
      concurrency: o.workerCount,
      ...(o.rateLimitPerSecond > 0 ? { interval: 1000, intervalCap: o.rateLimitPerSecond } : {}),
    });
    const rate = o.sendRate;
    this.#rateAhead = rate && new RateAhead({ rate, maxAhead: 2 * o.workerCount, granted: (job, letter, at) => this.#toWorker(job, letter, at) });
  }

  add(job: Job, letter: Letter): void {
    if (this.#rateAhead) this.#rateAhead.add(job, letter);
    else this.#toWorker(job, letter, undefined);
  }

  /** No worker starts a job; tokens are still taken ahead. */
  pauseWorkers(): void {
    this.#queue.pause();
  }

  /** Nothing new starts, and no token is taken. */
  pause(): void {
    this.#queue.pause();
    this.#rateAhead?.pause();
  }

  resume(): void {
    this.#queue.start();
    this.#rateAhead?.resume();
  }

  /** Held up since its token was granted (a hold, every worker busy): starting now could exceed the rate. */
  stale(tokenAt: number | undefined): boolean {
    return tokenAt !== undefined && Date.now() - tokenAt > TOKEN_FRESH_MS;
  }

  /** Forgets abandoned jobs waiting for a token. */
  dropAbandoned(): void {
    this.#rateAhead?.dropAbandoned();
  }

  /** Closed: queued jobs are dropped and no token is asked for. */
  close(): void {
    this.#queue.pause();
    this.#queue.clear();
    this.#rateAhead?.clear();
  }

  #toWorker(job: Job, letter: Letter, tokenAt: number | undefined): void {
    this.#queue
      .add(() => {
        if (tokenAt !== undefined) this.#rateAhead?.used();
        return this.o.attempt(job, letter, tokenAt);
      })
      .catch(this.o.onError);
  }
}
