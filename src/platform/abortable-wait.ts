/**
 * Waits until the caller signals, or `signal` aborts. `register` stores the `done` callback wherever
 * the caller keeps its waiters and returns a function that removes it again (used on abort).
 */
export function abortableWait(signal: AbortSignal | undefined, register: (done: () => void) => () => void): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      unregister();
      reject(signal?.reason);
    };
    const unregister = register(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `work`, unless `signal` aborts first: then the signal's reason (or `onAbort`'s error). The work
 * itself is not cancelled (KafkaJS cannot cancel a send, an SMTP exchange cannot be taken back): its
 * outcome is only no longer awaited. The listener is removed when either side ends.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, onAbort: (reason: unknown) => unknown = (reason) => reason): Promise<T> {
  if (signal === undefined) return work;
  if (signal.aborted) return Promise.reject(onAbort(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(onAbort(signal.reason));
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
