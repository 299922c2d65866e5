import { describe, expect, it } from 'vitest';
import { duplicateBound, type DuplicateBoundInput } from '../../../test/chaos/duplicate-bound.js';

const base: DuplicateBoundInput = {
  disruptions: [],
  failureWindows: [],
  ratePerSecond: 50,
  maxInstances: 3,
  bufferPerInstance: 40,
  workerCount: 5,
  commitIntervalMs: 1_000,
  retryWindowMs: 16_000,
  ledger: false,
};

describe('duplicateBound', () => {
  it('when nothing disrupted the group › 0', () => {
    expect(duplicateBound(base).bound).toBe(0);
  });

  it('per rebalance › every member’s buffer plus one commit interval of the rate', () => {
    const { bound, perDisruption } = duplicateBound({
      ...base,
      disruptions: [
        { atMs: 1_000, kind: 'join', rebalances: 1, crash: false },
        { atMs: 5_000, kind: 'sigkill', rebalances: 2, crash: true },
      ],
    });
    expect(perDisruption).toEqual([3 * 40 + 50, 2 * (3 * 40 + 50)]);
    expect(bound).toBe(3 * (3 * 40 + 50));
  });

  it('when a disruption falls in or just after an SMTP failure window › adds the rate over the time a gap can have held commits', () => {
    const windows = [{ startMs: 10_000, endMs: 14_000 }];
    const during = duplicateBound({ ...base, failureWindows: windows, disruptions: [{ atMs: 12_000, kind: 'sigterm', rebalances: 2, crash: false }] });
    expect(during.perDisruption).toEqual([2 * 170 + 50 * 2]);
    const after = duplicateBound({ ...base, failureWindows: windows, disruptions: [{ atMs: 25_000, kind: 'sigterm', rebalances: 2, crash: false }] });
    // Capped at the window plus the retry window: 4 s + 16 s of the rate.
    expect(after.perDisruption).toEqual([2 * 170 + 50 * 15]);
    const capped = duplicateBound({ ...base, failureWindows: windows, disruptions: [{ atMs: 31_000, kind: 'sigterm', rebalances: 2, crash: false }] });
    expect(capped.perDisruption).toEqual([2 * 170 + 50 * 20]);
    const later = duplicateBound({ ...base, failureWindows: windows, disruptions: [{ atMs: 40_000, kind: 'sigterm', rebalances: 2, crash: false }] });
    expect(later.perDisruption).toEqual([2 * 170]);
  });

  it('with the sent ledger › only crashes count, one in-flight send per worker', () => {
    const { bound, perDisruption } = duplicateBound({
      ...base,
      ledger: true,
      disruptions: [
        { atMs: 1_000, kind: 'sigkill', rebalances: 2, crash: true },
        { atMs: 2_000, kind: 'join', rebalances: 1, crash: false },
      ],
    });
    expect(perDisruption).toEqual([5, 0]);
    expect(bound).toBe(5);
  });
});
