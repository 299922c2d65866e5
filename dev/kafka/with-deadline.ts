/** Rejects when `timeoutMs` passes or `signal` aborts first; the caller cleans up in `finally`. */
export function withDeadline<T>(
  work: Promise<T>,
  { timeoutMs, signal, what }: { timeoutMs: number; signal?: AbortSignal; what: string | (() => string) },
): Promise<T> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const stop = signal ? AbortSignal.any([signal, deadline]) : deadline;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void =>
      reject(signal?.aborted ? signal.reason : new Error(`timed out after ${timeoutMs} ms ${typeof what === 'function' ? what() : what}`));
    if (stop.aborted) return onAbort();
    stop.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => stop.removeEventListener('abort', onAbort));
  });
}
