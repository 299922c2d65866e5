import { describe, expect, it } from 'vitest';

import { axisTicks, formatValue } from '../../../../dev/dashboard/format-value.js';

describe('formatValue', () => {
  it.each([
    [42.34, 'ops', undefined, '42.3/s'],
    [1500, 'ops', undefined, '1.5K/s'],
    [40, 'ops', 1, '40.0/s'],
    [0.0042, 's', undefined, '4.2 ms'],
    [16.2, 's', undefined, '16.2 s'],
    [150, 's', undefined, '2.5 min'],
    [0, 's', undefined, '0 s'],
    [52 * 2 ** 20, 'bytes', undefined, '52 MiB'],
    [0.25, 'percentunit', undefined, '25%'],
    [2, 'short', undefined, '2'],
    [12_345, undefined, undefined, '12.3K'],
  ])('prints %s in %s as %s', (value, unit, decimals, expected) => {
    expect(formatValue(value, unit, decimals)).toBe(expected);
  });
});

describe('axisTicks', () => {
  it('covers the maximum from 0 in round steps', () => {
    expect(axisTicks(42)).toEqual([0, 20, 40, 60]);
    expect(axisTicks(1)).toEqual([0, 0.5, 1]);
    expect(axisTicks(0.003)).toEqual([0, 0.001, 0.002, 0.003]);
  });

  it('steps bytes in round MiB', () => {
    expect(axisTicks(180 * 2 ** 20, 'bytes')).toEqual([0, 50, 100, 150, 200].map((m) => m * 2 ** 20));
  });

  it('gives an empty or all-zero graph 0..1', () => {
    expect(axisTicks(0)).toEqual([0, 1]);
    expect(axisTicks(Number.NaN)).toEqual([0, 1]);
  });
});
