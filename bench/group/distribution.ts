import { median, percentile } from '../../dev/loadtest/percentile.js';

export interface Distribution {
  readonly n: number;
  readonly min: number | undefined;
  readonly p50: number | undefined;
  readonly p90: number | undefined;
  readonly max: number | undefined;
  readonly mean: number | undefined;
}

/** Min, median, nearest-rank p90, max and mean of `values` (not modified); undefined fields when empty. */
export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { n: 0, min: undefined, p50: undefined, p90: undefined, max: undefined, mean: undefined };
  return {
    n: sorted.length,
    min: sorted[0],
    p50: median(sorted),
    p90: percentile(sorted, 90),
    max: sorted.at(-1),
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
  };
}
