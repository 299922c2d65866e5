import { describe, expect, it } from 'vitest';

import { beyondInFlight, type Disruption, duplicateBound, type DuplicateBoundInput } from '../../../test/chaos/duplicate-bound.js';

/** One mail accepted every 10 ms from 0 to 100 s: 100 a second. */
const steady = Array.from({ length: 10_000 }, (_, i) => i * 10);

const base: DuplicateBoundInput = {
  disruptions: [],
  failureWindows: [],
  brokerOutages: [],
  acceptedAtMs: steady,
  maxInstances: 3,
  workerCount: 5,
  commitIntervalMs: 1_000,
  retryWindowMs: 16_000,
  ledger: false,
};
/** Five workers on each of three members. */
const IN_FLIGHT = 3 * 5;
const total = (d: Disruption, extra: Partial<DuplicateBoundInput> = {}): number => duplicateBound({ ...base, ...extra, disruptions: [d] }).atLeastOnce;
const crash = (atMs: number, extra: Partial<DuplicateBoundInput> = {}): number => total({ atMs, kind: 'svc-1 sigkill', crash: true }, extra);

describe('duplicateBound', () => {
  it('when nothing disrupted the group › 0', () => {
    expect(duplicateBound(base)).toEqual({ atLeastOnce: 0, mails: 0, perDisruption: [], whileRedisAway: 0 });
  });

  it('a graceful change (join, leave, SIGTERM) › only the sends in flight on the members it reached, not their buffers', () => {
    expect(total({ atMs: 50_000, kind: 'svc-3 started', crash: false })).toBe(IN_FLIGHT);
    expect(total({ atMs: 50_000, kind: 'svc-3 exited', crash: false, members: 2 })).toBe(2 * 5);
  });

  it('a crash › the sends in flight plus the mails accepted in the commit interval (and a second of slack) before it, named by the fault', () => {
    // [48 s, 50 s] holds 201 acceptances at 10 ms apart.
    expect(crash(50_000)).toBe(IN_FLIGHT + 201);
    const bound = duplicateBound({
      ...base,
      disruptions: [
        { atMs: 12_000, kind: 'kill-coordinator', crash: true },
        { atMs: 30_000, kind: 'svc-1 started', crash: false },
      ],
    });
    expect(bound.atLeastOnce).toBe(IN_FLIGHT + 201 + IN_FLIGHT);
    expect(beyondInFlight(bound)).toEqual(['kill-coordinator at t+12.0s: +201']);
  });

  it('counts acceptances, not production: a backlog sent in a burst just before the crash counts whole', () => {
    const burst = [...Array.from({ length: 400 }, (_, i) => 80_000 + i), 90_000];
    expect(crash(80_500, { acceptedAtMs: burst })).toBe(IN_FLIGHT + 400);
    expect(crash(85_000, { acceptedAtMs: burst })).toBe(IN_FLIGHT);
  });

  it('when the crash falls in or soon after an SMTP failure window › the window reaches back to the failure’s start', () => {
    const failureWindows = [{ startMs: 40_000, endMs: 44_000 }];
    // From 38 s (start − 2 s) to 50 s.
    expect(crash(50_000, { failureWindows })).toBe(IN_FLIGHT + 1_201);
    // Later than end + retry window + commit interval (61 s): back to the plain window.
    expect(crash(70_000, { failureWindows })).toBe(IN_FLIGHT + 201);
  });

  it('when a Kafka outage ended just before the crash › the window reaches back to before the outage (no commit in between)', () => {
    const brokerOutages = [{ startMs: 20_000, endMs: 49_500 }];
    expect(crash(50_000, { brokerOutages })).toBe(IN_FLIGHT + 3_201);
    expect(crash(60_000, { brokerOutages })).toBe(IN_FLIGHT + 201);
  });

  it('with the sent ledger › extra mails only from member crashes, one in-flight send per worker; a Kafka node killed adds none; DLQ records keep the at-least-once bound', () => {
    const { atLeastOnce, mails } = duplicateBound({
      ...base,
      ledger: true,
      disruptions: [
        { atMs: 50_000, kind: 'svc-1 sigkill', crash: true },
        { atMs: 60_000, kind: 'kill-leader', crash: true },
        { atMs: 70_000, kind: 'svc-4 started', crash: false },
      ],
    });
    expect(mails).toBe(5);
    expect(atLeastOnce).toBe(3 * IN_FLIGHT + 2 * 201);
  });

  it('with the sent ledger and Redis away › every mail accepted while it was down or slow (and 2 s after) may go out once more, named', () => {
    const bound = duplicateBound({
      ...base,
      ledger: true,
      redisWindows: [{ startMs: 30_000, endMs: 33_000 }],
      disruptions: [{ atMs: 50_000, kind: 'svc-1 sigkill', crash: true }],
    });
    // [30 s, 35 s] holds 501 acceptances.
    expect(bound.whileRedisAway).toBe(501);
    expect(bound.mails).toBe(5 + 501);
    expect(beyondInFlight(bound)).toContain('Redis away (ledger blind): +501 mails');
    expect(duplicateBound({ ...base, redisWindows: [{ startMs: 30_000, endMs: 33_000 }] }).whileRedisAway).toBe(0);
  });
});
