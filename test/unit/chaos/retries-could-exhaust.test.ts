import { describe, expect, it } from 'vitest';

import { retriesCouldExhaust, retryWindowMs } from '../../../test/chaos/retries-could-exhaust.js';

const DEFAULT = { delaysMs: [1_000, 5_000, 10_000], maxRetries: 3 };
const w = (startMs: number, endMs: number) => ({ startMs, endMs });

describe('retryWindowMs', () => {
  it('sums the delays of every retry, repeating the last one for a shorter list', () => {
    expect(retryWindowMs(DEFAULT)).toBe(16_000);
    expect(retryWindowMs({ delaysMs: [1_000], maxRetries: 3 })).toBe(3_000);
    expect(retryWindowMs({ delaysMs: [1_000, 5_000, 10_000], maxRetries: 0 })).toBe(0);
  });
});

describe('retriesCouldExhaust', () => {
  it('when there is no failure window › false', () => {
    expect(retriesCouldExhaust([], DEFAULT)).toBe(false);
  });

  it('when one window is shorter than the retry window › false, however late the retries: lateness only pushes them further out', () => {
    expect(retriesCouldExhaust([w(0, 15_999)], DEFAULT, 0)).toBe(false);
    expect(retriesCouldExhaust([w(0, 15_999)], DEFAULT, 60_000)).toBe(false);
  });

  it('when one window is as long as the retry window › true', () => {
    expect(retriesCouldExhaust([w(0, 16_000)], DEFAULT, 0)).toBe(true);
  });

  it('when two short windows line up with the retry delays › true (first attempt and first two retries in one, the last in the other)', () => {
    // Attempts at 0, 1 s and 6 s fall in [0, 6 s]; the third retry at 16 s falls in [16 s, 17 s].
    expect(retriesCouldExhaust([w(0, 6_000), w(16_000, 17_000)], DEFAULT, 0)).toBe(true);
  });

  it('when the next window is further than the longest delay plus the lateness › false; unbounded lateness › true', () => {
    // From the end of the first window, one step reaches at most 6 s + 10 s + 5 s = 21 s.
    expect(retriesCouldExhaust([w(0, 6_000), w(40_000, 41_000)], DEFAULT, 5_000)).toBe(false);
    expect(retriesCouldExhaust([w(0, 6_000), w(21_000, 22_000)], DEFAULT, 5_000)).toBe(true);
    expect(retriesCouldExhaust([w(0, 6_000), w(40_000, 41_000)], DEFAULT, Infinity)).toBe(true);
  });

  it('when short windows are spread out › each attempt may need its own window, and late retries can reach them', () => {
    const spread = [w(0, 2_000), w(8_000, 9_000), w(20_000, 21_000)];
    // 0 → 1 s (same window) → ≥ 6 s: 8 s needs 2 s late → ≥ 18 s: 20 s needs 1 s late.
    expect(retriesCouldExhaust(spread, DEFAULT, 0)).toBe(false);
    expect(retriesCouldExhaust(spread, DEFAULT, 2_000)).toBe(true);
  });

  it('with the windows the planner allows (each < 16 s, the next 18 s after the previous ended) › false', () => {
    expect(retriesCouldExhaust([w(0, 15_000), w(33_000, 48_000), w(66_000, 73_000)], DEFAULT)).toBe(false);
  });

  it('ignores the order the windows come in, and joins overlapping ones', () => {
    expect(retriesCouldExhaust([w(16_000, 17_000), w(0, 6_000)], DEFAULT, 0)).toBe(true);
    expect(retriesCouldExhaust([w(8_000, 16_000), w(0, 9_000)], DEFAULT, 0)).toBe(true);
  });
});
