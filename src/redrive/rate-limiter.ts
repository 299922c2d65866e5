import { sleep as defaultSleep } from '../platform/sleep.js';

export type RateLimiter = (signal: AbortSignal) => Promise<void>;

/**
 * Spaces calls at least `1000 / perSecond` ms apart (no bursts: a redrive should not hit the SMTP
 * server harder than the steady rate). `perSecond` 0 turns it off.
 */
export function createRateLimiter({
  perSecond,
  now = Date.now,
  sleep = defaultSleep,
}: {
  perSecond: number;
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}): RateLimiter {
  if (perSecond <= 0) return async (signal) => signal.throwIfAborted();
  const spacingMs = 1000 / perSecond;
  let next = -Infinity;
  return async (signal) => {
    signal.throwIfAborted();
    const wait = next - now();
    if (wait > 0) await sleep(wait, signal);
    next = Math.max(now(), next) + spacingMs;
  };
}
