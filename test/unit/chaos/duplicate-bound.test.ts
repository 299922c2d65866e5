import { describe, expect, it } from 'vitest';
import { duplicateBound, type DuplicateBoundInput } from '../../../test/chaos/duplicate-bound.js';

/** One mail accepted every 10 ms from 0 to 100 s: 100 a second. */
const steady = Array.from({ length: 10_000 }, (_, i) => i * 10);

const base: DuplicateBoundInput = {
  disruptions: [],
  failureWindows: [],
  brokerOutages: [],
  acceptedAtMs: steady,
  maxInstances: 3,
  bufferPerInstance: 40,
  workerCount: 5,
  commitIntervalMs: 1_000,
  retryWindowMs: 16_000,
  ledger: false,
};
const HELD = 3 * 40;
const at = (atMs: number, extra: Partial<DuplicateBoundInput> = {}) => duplicateBound({ ...base, ...extra, disruptions: [{ atMs, kind: 'sigterm', crash: false }] }).perDisruption[0];

describe('duplicateBound', () => {
  it('when nothing disrupted the group › 0', () => {
    expect(duplicateBound(base)).toEqual({ atLeastOnce: 0, mails: 0, perDisruption: [] });
  });

  it('per disruption › every member’s buffer plus the mails accepted in the commit interval (and a second of slack) before it', () => {
    // [48 s, 50 s] holds 201 acceptances at 10 ms apart.
    expect(at(50_000)).toBe(HELD + 201);
    const { atLeastOnce, mails } = duplicateBound({
      ...base,
      disruptions: [
        { atMs: 50_000, kind: 'join', crash: false },
        { atMs: 70_000, kind: 'sigkill', crash: true },
      ],
    });
    expect(atLeastOnce).toBe(2 * (HELD + 201));
    expect(mails).toBe(atLeastOnce);
  });

  it('counts acceptances, not production: a backlog sent in a burst just before the disruption counts whole', () => {
    const burst = [...Array.from({ length: 400 }, (_, i) => 80_000 + i), 90_000];
    expect(at(80_500, { acceptedAtMs: burst })).toBe(HELD + 400);
    expect(at(85_000, { acceptedAtMs: burst })).toBe(HELD);
  });

  it('when the disruption falls in or soon after an SMTP failure window › the window reaches back to the failure’s start', () => {
    const failureWindows = [{ startMs: 40_000, endMs: 44_000 }];
    // From 38 s (start − 2 s) to 50 s.
    expect(at(50_000, { failureWindows })).toBe(HELD + 1_201);
    // Later than end + retry window + commit interval (61 s): back to the plain window.
    expect(at(70_000, { failureWindows })).toBe(HELD + 201);
  });

  it('when a broker outage ended just before the disruption › the window reaches back to before the outage (no commit in between)', () => {
    const brokerOutages = [{ startMs: 20_000, endMs: 49_500 }];
    expect(at(50_000, { brokerOutages })).toBe(HELD + 3_201);
    expect(at(60_000, { brokerOutages })).toBe(HELD + 201);
  });

  it('with the sent ledger › extra mails only from crashes, one in-flight send per worker; DLQ records keep the at-least-once bound', () => {
    const { atLeastOnce, mails } = duplicateBound({
      ...base,
      ledger: true,
      disruptions: [
        { atMs: 50_000, kind: 'sigkill', crash: true },
        { atMs: 70_000, kind: 'join', crash: false },
      ],
    });
    expect(mails).toBe(5);
    expect(atLeastOnce).toBe(2 * (HELD + 201));
  });
});
