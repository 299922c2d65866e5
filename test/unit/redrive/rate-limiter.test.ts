import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { createRateLimiter } from '../../../src/redrive/rate-limiter.js';

describe('createRateLimiter', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('at 4 per second › spaces calls 250 ms apart, the first one at once', async () => {
    const limit = createRateLimiter({ perSecond: 4 });
    const signal = new AbortController().signal;
    const times: number[] = [];
    const run = (async () => {
      for (let i = 0; i < 4; i += 1) {
        await limit(signal);
        times.push(Date.now());
      }
    })();
    await vi.runAllTimersAsync();
    await run;
    expect(times).toEqual([0, 250, 500, 750]);
  });

  it('after a pause longer than the spacing › does not burst to catch up', async () => {
    const limit = createRateLimiter({ perSecond: 10 });
    const signal = new AbortController().signal;
    await limit(signal);
    await vi.advanceTimersByTimeAsync(5_000);
    await limit(signal);
    const third = limit(signal).then(() => Date.now());
    await vi.runAllTimersAsync();
    expect(await third).toBe(5_100);
  });

  it('at 0 › never waits', async () => {
    const limit = createRateLimiter({ perSecond: 0 });
    const signal = new AbortController().signal;
    for (let i = 0; i < 100; i += 1) await limit(signal);
    expect(Date.now()).toBe(0);
  });

  it('when aborted while waiting › rejects with the reason', async () => {
    const limit = createRateLimiter({ perSecond: 1 });
    const controller = new AbortController();
    await limit(controller.signal);
    const waiting = limit(controller.signal);
    controller.abort(new Error('interrupted'));
    await expect(waiting).rejects.toThrow('interrupted');
  });
});
