import { describe, expect, it } from 'vitest';

import { nextRetry, retryDelayMs, type RetryPolicy } from '../../../src/platform/retry-policy.js';

const DEFAULT: RetryPolicy = { maxRetries: 3, delaysMs: [1_000, 5_000, 10_000] };

/** The delays a message would wait through, failing every attempt, until the policy gives up. */
function schedule(policy: RetryPolicy): number[] {
  const delays: number[] = [];
  for (let attempts = 1; attempts < 100; attempts += 1) {
    const delay = nextRetry(policy, attempts);
    if (delay === undefined) return delays;
    delays.push(delay);
  }
  throw new Error('policy never gives up');
}

describe('nextRetry', () => {
  describe('with the default policy (3 retries, 1s/5s/10s)', () => {
    it('after attempt 1 fails › waits 1000 ms', () => {
      expect(nextRetry(DEFAULT, 1)).toBe(1_000);
    });

    it('after attempt 2 fails › waits 5000 ms', () => {
      expect(nextRetry(DEFAULT, 2)).toBe(5_000);
    });

    it('after attempt 3 fails › waits 10000 ms', () => {
      expect(nextRetry(DEFAULT, 3)).toBe(10_000);
    });

    it('after attempt 4 (the third retry) fails › gives up', () => {
      expect(nextRetry(DEFAULT, 4)).toBeUndefined();
      expect(nextRetry(DEFAULT, 5)).toBeUndefined();
    });

    it('makes 4 attempts in all, waiting 1s, 5s, 10s between them', () => {
      expect(schedule(DEFAULT)).toEqual([1_000, 5_000, 10_000]);
    });
  });

  it('when the list is shorter than maxRetries › repeats its last delay', () => {
    expect(schedule({ maxRetries: 5, delaysMs: [100, 200] })).toEqual([100, 200, 200, 200, 200]);
  });

  it('when the list is longer than maxRetries › uses only its start', () => {
    expect(schedule({ maxRetries: 2, delaysMs: [1, 2, 3, 4] })).toEqual([1, 2]);
  });

  it('when maxRetries is 0 › never retries', () => {
    expect(nextRetry({ maxRetries: 0, delaysMs: [1_000] }, 1)).toBeUndefined();
  });

  it('when the list is empty › retries at once', () => {
    expect(schedule({ maxRetries: 2, delaysMs: [] })).toEqual([0, 0]);
  });
});

describe('retryDelayMs', () => {
  it('retry n waits delaysMs[n-1], then the last one', () => {
    expect([1, 2, 3, 4, 10].map((retry) => retryDelayMs(DEFAULT, retry))).toEqual([1_000, 5_000, 10_000, 10_000, 10_000]);
  });
});
