import { median } from './percentile.js';

/**
 * Events per whole second since `start`, for `times` (ms since the epoch, any order) up to `end`.
 * The last, partial second is dropped unless it is the only one.
 */
export function perSecond(times: readonly number[], start: number, end: number): number[] {
  const seconds = Math.max(1, Math.floor((end - start) / 1000));
  const buckets = new Array<number>(seconds).fill(0);
  for (const t of times) {
    const i = Math.floor((t - start) / 1000);
    if (i >= 0 && i < seconds) buckets[i] = (buckets[i] as number) + 1;
  }
  return buckets;
}

/**
 * Steady-state rate of a per-second series: the median of the seconds between the first and the
 * last non-idle one, so ramp-up before the first delivery and the drained tail do not count.
 */
export function steadyRate(series: readonly number[]): number | undefined {
  const first = series.findIndex((n) => n > 0);
  if (first === -1) return undefined;
  let last = series.length - 1;
  while (last > first && (series[last] as number) === 0) last -= 1;
  // Trim one second at each end: they are partial (startup, drain).
  const inner = last - first >= 3 ? series.slice(first + 1, last) : series.slice(first, last + 1);
  return median(inner);
}
