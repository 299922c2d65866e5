/** The p-th percentile (0–100) of ascending `sorted` by nearest rank; undefined when empty. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`Expected a percentile in 0..100, got ${p}`);
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function median(values: readonly number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface Percentiles {
  readonly count: number;
  readonly p50: number | undefined;
  readonly p95: number | undefined;
  readonly p99: number | undefined;
  readonly max: number | undefined;
}

/** p50/p95/p99/max of unsorted `values` (not modified). */
export function summarize(values: readonly number[]): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  return { count: list.length, p50: percentile(list, 50), p95: percentile(list, 95), p99: percentile(list, 99), max: list.at(-1) };
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: readonly number[];
}

/** Median and range of repeated measurements; NaN fields when there are none. */
export function spread(runs: readonly number[]): Spread {
  if (runs.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: [] };
  return { median: median(runs) as number, min: Math.min(...runs), max: Math.max(...runs), runs: [...runs] };
}
