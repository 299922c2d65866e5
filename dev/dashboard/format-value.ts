/** Values and axes in a panel's unit, the way Grafana prints the units the dashboard uses. */

function digits(value: number, decimals: number | undefined): string {
  if (decimals !== undefined) return value.toFixed(decimals);
  const d = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  // Number() drops trailing zeros: 0.50 → 0.5, 40.00 → 40.
  return String(Number(value.toFixed(d)));
}

function scaled(value: number, steps: ReadonlyArray<readonly [number, string]>, decimals: number | undefined, space = ''): string {
  const step = steps.find(([size]) => Math.abs(value) >= size) ?? steps.at(-1) ?? [1, ''];
  return `${digits(value / step[0], decimals)}${space}${step[1]}`;
}

const SI: ReadonlyArray<readonly [number, string]> = [
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'K'],
  [1, ''],
];
const IEC: ReadonlyArray<readonly [number, string]> = [
  [2 ** 30, 'GiB'],
  [2 ** 20, 'MiB'],
  [2 ** 10, 'KiB'],
  [1, 'B'],
];
const DURATION: ReadonlyArray<readonly [number, string]> = [
  [3600, 'h'],
  [60, 'min'],
  [1, 's'],
  [1e-3, 'ms'],
  [1e-6, 'µs'],
];

/** `unit` is Grafana's unit id: ops, s, bytes, percentunit, short (and anything else as short). */
export function formatValue(value: number, unit: string | undefined, decimals?: number): string {
  switch (unit) {
    case 'ops':
      return `${scaled(value, SI, decimals)}/s`;
    case 's':
      return value === 0 ? '0 s' : scaled(value, DURATION, decimals, ' ');
    case 'bytes':
      return value === 0 ? '0 B' : scaled(value, IEC, decimals, ' ');
    case 'percentunit':
      return `${digits(value * 100, decimals)}%`;
    default:
      return scaled(value, SI, decimals);
  }
}

/**
 * A y axis from 0 to at least `max` in 2 to 5 round steps (1, 2 or 5 × a power of ten; for bytes, of
 * a power-of-1024 unit, so ticks read 50 MiB rather than 47.7 MiB), no step finer than `decimals`
 * allow. An empty or all-zero panel gets 0..1.
 */
export function axisTicks(max: number, unit?: string, decimals?: number): number[] {
  if (!(max > 0)) return [0, 1];
  const base = unit === 'bytes' ? 1024 ** Math.max(0, Math.floor(Math.log(max) / Math.log(1024))) : 1;
  const raw = max / base / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(([1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude) * base, decimals === undefined ? 0 : 10 ** -decimals);
  const ticks = [0];
  while ((ticks.at(-1) ?? 0) < max * (1 - 1e-9)) ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}
