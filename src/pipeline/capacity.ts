import { abortableWait } from '../platform/abortable-wait.js';

/**
 * Counts the messages held in process (queued + in flight + waiting to retry + settling) against
 * EMAIL_WORKER_BUFFER. Intake acquires a slot per admitted message; the slot is released when
 * the message is settled or abandoned. `acquire` is the awaitable backpressure point.
 */
export class Capacity {
  #held = 0;
  readonly #waiters: Array<{ resolve: () => void; reject: (reason: unknown) => void; signal: AbortSignal | undefined; onAbort: () => void }> = [];
  readonly #idle: Array<() => void> = [];
  readonly #onChange: ((held: number) => void) | undefined;

  constructor(
    readonly limit: number,
    { onChange }: { onChange?: (held: number) => void } = {},
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`Expected limit to be an integer >= 1, got ${limit}`);
    this.#onChange = onChange;
  }

  get held(): number {
    return this.#held;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  tryAcquire(): boolean {
    if (this.#held >= this.limit || this.#waiters.length > 0) return false;
    this.#set(this.#held + 1);
    return true;
  }

  /** Resolves once a slot is ours; rejects with the signal's reason if aborted first (no slot taken). */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.#waiters.indexOf(waiter);
          if (i !== -1) this.#waiters.splice(i, 1);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  release(): void {
    if (this.#held === 0) throw new Error('Capacity.release() without a held slot');
    const next = this.#waiters.shift();
    if (next) {
      // Hand the slot straight to the next waiter: held stays the same.
      next.signal?.removeEventListener('abort', next.onAbort);
      next.resolve();
      return;
    }
    this.#set(this.#held - 1);
  }

  /** Resolves when nothing is held. */
  whenEmpty(signal?: AbortSignal): Promise<void> {
    if (this.#held === 0) return Promise.resolve();
    return abortableWait(signal, (done) => {
      this.#idle.push(done);
      return () => {
        const i = this.#idle.indexOf(done);
        if (i !== -1) this.#idle.splice(i, 1);
      };
    });
  }

  #set(held: number): void {
    this.#held = held;
    this.#onChange?.(held);
    if (held === 0) for (const done of this.#idle.splice(0)) done();
  }
}
