import { describe, expect, it } from 'vitest';

import { perSecond, steadyRate } from '../../../../dev/loadtest/throughput-series.js';

describe('perSecond', () => {
  it('counts events into whole seconds from the start and drops the partial last second', () => {
    const start = 10_000;
    expect(perSecond([10_000, 10_500, 11_000, 12_999, 13_100], start, 13_500)).toEqual([2, 1, 1]);
  });

  it('ignores events before the start or after the end; a run under a second is one bucket', () => {
    expect(perSecond([500, 1_200, 9_000], 1_000, 1_400)).toEqual([1]);
  });
});

describe('steadyRate', () => {
  it('is the median of the busy seconds without the first and last (partial) ones', () => {
    expect(steadyRate([0, 0, 40, 100, 98, 102, 100, 30, 0])).toBe(100);
  });

  it('of a short series uses every busy second; of an idle one › undefined', () => {
    expect(steadyRate([10, 20])).toBe(15);
    expect(steadyRate([0, 0])).toBeUndefined();
  });
});
