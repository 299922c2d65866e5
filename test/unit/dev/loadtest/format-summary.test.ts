import { describe, expect, it } from 'vitest';

import { bucketSeries } from '../../../../dev/loadtest/format-summary.js';

describe('bucketSeries', () => {
  it('averages a long per-second series into at most `points` buckets', () => {
    const series = Array.from({ length: 100 }, (_, i) => (i < 50 ? 10 : 30));
    const buckets = bucketSeries(series, 10);
    expect(buckets).toHaveLength(10);
    expect(buckets[0]).toEqual({ fromS: 0, perSecond: 10 });
    expect(buckets[9]).toEqual({ fromS: 90, perSecond: 30 });
  });

  it('keeps a short series as is', () => {
    expect(bucketSeries([1, 2, 3], 12)).toEqual([
      { fromS: 0, perSecond: 1 },
      { fromS: 1, perSecond: 2 },
      { fromS: 2, perSecond: 3 },
    ]);
  });
});
