import type { Job, Letter } from '../job-board.js';
import type { SendRate } from './send-rate.js';

export interface RateAheadOptions {
  readonly rate: SendRate;
  /**
   * Tokens asked for, or granted and not yet taken up by a worker, at most: twice the worker count, so
   * one slow answer does not stop the others and a granted token finds a worker within moments.
   */
  readonly maxAhead: number;
  /** The job's token was granted at `at` (ms since the epoch): hand it to a worker, which calls `used()`. */
  readonly granted: (job: Job, letter: Letter, at: number) => void;
}

/**
 * Takes each send's token from the send rate before the job waits for a worker, as ComposeAhead
 * composes before it: no worker waits on Redis, or for the budget's next second. At most `maxAhead`
 * tokens are out at once, so tokens are not hoarded while the workers are busy (the dispatcher takes
 * again one that waited more than a second for a worker). Paused while the dispatcher holds; a job
 * abandoned meanwhile asks for nothing (its take is cancelled through its abandon signal).
 */
export class RateAhead {
  #line: Array<readonly [Job, Letter]> = [];
  #ahead = 0;
  #paused = false;

  constructor(private readonly o: RateAheadOptions) {}

  add(job: Job, letter: Letter): void {
    this.#line.push([job, letter]);
    this.#pump();
  }

  /** A worker took up a granted token (or its job was dropped): room for the next. */
  used(): void {
    this.#ahead -= 1;
    this.#pump();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#pump();
  }

  /** Forgets abandoned jobs still in line (a long hold with revocations would otherwise keep them). */
  dropAbandoned(): void {
    this.#line = this.#line.filter(([job]) => !job.abandoned);
  }

  /** Closed: nothing more is asked for. */
  clear(): void {
    this.#paused = true;
    this.#line = [];
  }

  #pump(): void {
    while (!this.#paused && this.#ahead < this.o.maxAhead) {
      const next = this.#line.shift();
      if (!next) return;
      const [job, letter] = next;
      if (job.abandoned) continue;
      this.#ahead += 1;
      this.o.rate.take(job.abandon.signal).then(
        () => (job.abandoned ? this.used() : this.o.granted(job, letter, Date.now())),
        () => this.used(),
      );
    }
  }
}
