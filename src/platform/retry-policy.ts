/** Retry policy as data: `delaysMs[i]` is the wait before retry i+1; the last one repeats. */
export interface RetryPolicy {
  readonly maxRetries: number;
  readonly delaysMs: readonly number[];
}

/** Delay before retry number `retry` (1 = first retry). */
export function retryDelayMs(policy: RetryPolicy, retry: number): number {
  const { delaysMs } = policy;
  if (delaysMs.length === 0) return 0;
  return delaysMs[Math.min(retry, delaysMs.length) - 1] ?? (delaysMs[delaysMs.length - 1] as number);
}

/** After `attempts` failed attempts, the delay before the next one, or undefined when spent. */
export function nextRetry(policy: RetryPolicy, attempts: number): number | undefined {
  const retry = attempts; // attempt 1 failed → retry 1
  return retry <= policy.maxRetries ? retryDelayMs(policy, retry) : undefined;
}
