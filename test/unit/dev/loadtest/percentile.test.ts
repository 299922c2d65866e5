import { describe, expect, it } from 'vitest';

import { median, percentile, spread, summarize } from '../../../../dev/loadtest/percentile.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('of 1..100 › p50 is 50, p95 is 95, p99 is 99, p100 is 100, p0 is the minimum', () => {
    expect([0, 50, 95, 99, 100].map((p) => percentile(hundred, p))).toEqual([1, 50, 95, 99, 100]);
  });

  it('of a small sample › rounds the rank up (p95 of 10 values is the 10th)', () => {
    const ten = Array.from({ length: 10 }, (_, i) => (i + 1) * 10);
    expect(percentile(ten, 95)).toBe(100);
    expect(percentile(ten, 50)).toBe(50);
    expect(percentile([7], 99)).toBe(7);
  });

  it('of nothing › undefined; of a percentile outside 0..100 › RangeError', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(() => percentile(hundred, 101)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('sorts numerically (not as strings) and leaves the input alone', () => {
    const values = [100, 9, 20, 3];
    expect(summarize(values)).toEqual({ count: 4, p50: 9, p95: 100, p99: 100, max: 100 });
    expect(values).toEqual([100, 9, 20, 3]);
  });

  it('of nothing › count 0 and undefined percentiles', () => {
    expect(summarize([])).toEqual({ count: 0, p50: undefined, p95: undefined, p99: undefined, max: undefined });
  });
});

describe('median and spread', () => {
  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeUndefined();
  });

  it('spread is median, min, max and the runs', () => {
    expect(spread([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, runs: [5, 1, 3] });
    expect(spread([]).median).toBeNaN();
  });
});
