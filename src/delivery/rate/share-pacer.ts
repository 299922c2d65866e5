import { abortableWait } from '../../platform/abortable-wait.js';

/**
 * Hands out one start every `intervalMs`, first come first served: a pod's share of the cluster send
 * rate, which may be a fraction of one a second (2/s over 5 replicas is one send every 2.5 s), so the
 * replicas together stay within the limit. A waiter that gives up (its signal aborts) takes no turn.
 */
export class SharePacer {
  readonly #waiters = new Set<() => void>();
  #nextAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs: number) {}

  /** Resolves at this caller's turn; rejects with the signal's reason if it aborts first. */
  take(signal: AbortSignal): Promise<void> {
    return abortableWait(signal, (done) => {
      this.#waiters.add(done);
      this.#pump();
      return () => this.#waiters.delete(done);
    });
  }

  #pump(): void {
    if (this.#timer || this.#waiters.size === 0) return;
    const waitMs = this.#nextAt - Date.now();
    if (waitMs > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#pump();
      }, waitMs);
      return;
    }
    const [first] = this.#waiters;
    if (!first) return;
    this.#waiters.delete(first);
    this.#nextAt = Date.now() + this.intervalMs;
    first();
    this.#pump();
  }
}
