import { describe, expect, it } from 'vitest';

import { distribution } from '../../../../bench/group/distribution.js';

describe('distribution', () => {
  it('gives min, median, nearest-rank p90, max and mean of the duplicates per kill', () => {
    expect(distribution([596, 284, 410, 502, 350])).toEqual({ n: 5, min: 284, p50: 410, p90: 596, max: 596, mean: 428.4 });
  });

  it('averages the two middle values of an even count', () => {
    expect(distribution([0, 62]).p50).toBe(31);
  });

  it('is empty for no kills', () => {
    expect(distribution([])).toEqual({ n: 0, min: undefined, p50: undefined, p90: undefined, max: undefined, mean: undefined });
  });
});
