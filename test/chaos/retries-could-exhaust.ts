export interface TimeWindow {
  readonly startMs: number;
  readonly endMs: number;
}

export interface RetrySchedule {
  /** EMAIL_RETRY_DELAYS_MS; a shorter list repeats its last delay (as the service does). */
  readonly delaysMs: readonly number[];
  /** EMAIL_MAX_RETRIES: retries after the first attempt. */
  readonly maxRetries: number;
}

/**
 * How late a retry may start after its timer is due: waiting for a free worker behind the buffer
 * (≤ EMAIL_WORKER_BUFFER / EMAIL_WORKER_COUNT sends, about 1 s at 150 ms a mail) plus event-loop lag
 * on a loaded 2-core machine. A retry held by an open circuit breaker spends no attempt, and is tried
 * once the breaker closes, i.e. when the server answers again: outside the failure window.
 */
export const RETRY_LATENESS_MS = 5_000;

/** From a first attempt to the last retry, at the nominal delays: 1 s + 5 s + 10 s = 16 s by default. */
export function retryWindowMs({ delaysMs, maxRetries }: RetrySchedule): number {
  let total = 0;
  for (let i = 0; i < maxRetries; i++) total += delayAt(delaysMs, i);
  return total;
}

/**
 * Could some message have met an SMTP failure at its first attempt and at every retry, given the
 * windows in which every attempt failed? That needs attempt times t0 < t1 < … < tn, each inside a
 * window, with delay(i) ≤ t(i+1) − t(i) ≤ delay(i) + latenessMs: retries start late (a busy worker
 * pool, a loaded machine), never early. The times an attempt i can fall at form a union of
 * intervals, computed step by step. When this is false, a `retries_exhausted` dead letter means the
 * service gave up on a message that it should have retried.
 */
export function retriesCouldExhaust(windows: readonly TimeWindow[], schedule: RetrySchedule, latenessMs: number = RETRY_LATENESS_MS): boolean {
  const failing = merge(windows.filter((w) => w.endMs >= w.startMs));
  let reachable = failing;
  for (let i = 0; i < schedule.maxRetries && reachable.length > 0; i++) {
    const d = delayAt(schedule.delaysMs, i);
    reachable = intersect(merge(reachable.map((w) => ({ startMs: w.startMs + d, endMs: w.endMs + d + latenessMs }))), failing);
  }
  return reachable.length > 0;
}

function delayAt(delaysMs: readonly number[], retry: number): number {
  if (delaysMs.length === 0) return 0;
  return delaysMs[Math.min(retry, delaysMs.length - 1)] as number;
}

/** Sorted, overlapping or touching intervals joined. */
function merge(windows: readonly TimeWindow[]): TimeWindow[] {
  const sorted = [...windows].sort((a, b) => a.startMs - b.startMs);
  const out: TimeWindow[] = [];
  for (const w of sorted) {
    const last = out[out.length - 1];
    if (last && w.startMs <= last.endMs) out[out.length - 1] = { startMs: last.startMs, endMs: Math.max(last.endMs, w.endMs) };
    else out.push({ startMs: w.startMs, endMs: w.endMs });
  }
  return out;
}

/** Intersection of two sorted, disjoint interval lists (closed intervals). */
function intersect(a: readonly TimeWindow[], b: readonly TimeWindow[]): TimeWindow[] {
  const out: TimeWindow[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as TimeWindow;
    const y = b[j] as TimeWindow;
    const startMs = Math.max(x.startMs, y.startMs);
    const endMs = Math.min(x.endMs, y.endMs);
    if (startMs <= endMs) out.push({ startMs, endMs });
    if (x.endMs < y.endMs) i++;
    else j++;
  }
  return out;
}
