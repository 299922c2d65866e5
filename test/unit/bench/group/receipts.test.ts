import { describe, expect, it } from 'vitest';

import { attribute, countBetween, longestGap, lowerBound, Receipts } from '../../../../bench/group/receipts.js';

describe('Receipts', () => {
  it('counts a Message-ID received again as a duplicate, with the time of the copy before it', () => {
    const r = new Receipts();
    expect(r.add('<a@x>', 10)).toBe(false);
    expect(r.add('<b@x>', 20)).toBe(false);
    expect(r.add('<a@x>', 30)).toBe(true);
    expect(r.add('<a@x>', 40)).toBe(true);
    expect({ total: r.total, unique: r.unique, duplicates: r.duplicates, ids: r.duplicatedIds() }).toEqual({ total: 4, unique: 2, duplicates: 2, ids: 1 });
    expect(r.duplicateTimes).toEqual([30, 40]);
    expect(r.duplicatePreviousTimes).toEqual([10, 30]);
  });
});

describe('attribute', () => {
  it('gives each duplicate to the last event that started before it arrived', () => {
    const a = attribute([1, 5, 10, 11, 19, 20, 25, 31], [10, 20, 30]);
    expect(a).toEqual({ before: 2, windows: [3, 2], after: 1 });
  });

  it('counts a duplicate arriving exactly at a boundary in the window that starts there', () => {
    expect(attribute([10, 20], [10, 20, 30]).windows).toEqual([1, 1]);
  });

  it('puts everything before when there are no events', () => {
    expect(attribute([1, 2], [])).toEqual({ before: 2, windows: [], after: 0 });
  });

  it('refuses boundaries out of order', () => {
    expect(() => attribute([], [20, 10])).toThrow(RangeError);
  });
});

describe('countBetween and lowerBound', () => {
  it('count the times in [from, to)', () => {
    const t = [1, 2, 2, 3, 5];
    expect(lowerBound(t, 2)).toBe(1);
    expect(countBetween(t, 2, 5)).toBe(3);
    expect(countBetween(t, 6, 9)).toBe(0);
    expect(countBetween(t, 5, 2)).toBe(0);
  });
});

describe('longestGap', () => {
  it('measures the longest silence inside the window, edges included', () => {
    expect(longestGap([12, 13, 30, 31], 10, 40)).toBe(17);
    expect(longestGap([12, 13], 10, 40)).toBe(27);
  });

  it('is the whole window when nothing arrived', () => {
    expect(longestGap([1, 50], 10, 40)).toBe(30);
  });
});
