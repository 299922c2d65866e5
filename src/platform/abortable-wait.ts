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
