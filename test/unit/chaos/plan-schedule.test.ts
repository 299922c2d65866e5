import { describe, expect, it } from 'vitest';

import { type ChaosScale, FULL_SCALE, SHORT_SCALE, SHORT_SEED } from '../../../test/chaos/chaos-scale.js';
import {
  ALL_FEATURES,
  type ChaosFeatures,
  describeSchedule,
  FAULT_KINDS,
  isBrokerFault,
  isSmtpFailure,
  kindNeeds,
  NO_FEATURES,
  type ScheduledFault,
} from '../../../test/chaos/fault.js';
import { FAILURE_SPACING_MARGIN_MS, plannedFailureWindows, planSchedule } from '../../../test/chaos/plan-schedule.js';
import { createPrng } from '../../../test/chaos/prng.js';
import { retriesCouldExhaust } from '../../../test/chaos/retries-could-exhaust.js';

const RETRIES = { delaysMs: [1_000, 5_000, 10_000], maxRetries: 3 };
const RETRY_WINDOW = 16_000;

function plan(seed: number, scale: ChaosScale, features: ChaosFeatures = ALL_FEATURES): ScheduledFault[] {
  return planSchedule({
    prng: createPrng(seed).fork('schedule'),
    durationMs: scale.chaosMs,
    faults: scale.faults,
    everyKindOnce: scale.everyKindOnce,
    ...(scale.requiredKinds ? { requiredKinds: scale.requiredKinds } : {}),
    brokerRestartSpacingMs: scale.brokerSpacingMs,
    features,
    instances: scale.instances,
    retryWindowMs: RETRY_WINDOW,
    ranges: scale.ranges,
  });
}

/** Instance count over the schedule, as the planner sees it (kills and bounces restart). */
function memberCounts(schedule: readonly ScheduledFault[], initial: number): number[] {
  let members = initial;
  return schedule.map(({ fault }) => (members += fault.kind === 'join' ? 1 : fault.kind === 'leave' ? -1 : 0));
}

describe('planSchedule', () => {
  it('when planned twice from one seed › the same schedule; another seed › another schedule', () => {
    expect(plan(123, FULL_SCALE)).toEqual(plan(123, FULL_SCALE));
    expect(plan(123, FULL_SCALE)).not.toEqual(plan(124, FULL_SCALE));
  });

  it('the short form’s seed places each of its kinds once, the three Kafka node faults among them', () => {
    const schedule = plan(SHORT_SEED, SHORT_SCALE);
    expect(schedule.map((s) => s.fault.kind).sort()).toEqual([...(SHORT_SCALE.requiredKinds ?? [])].sort());
    expect(
      schedule
        .filter((s) => isBrokerFault(s.fault.kind))
        .map((s) => s.fault.kind)
        .sort(),
    ).toEqual(['kill-coordinator', 'kill-leader', 'rolling-restart']);
    expect(describeSchedule(schedule).split('\n')).toHaveLength(SHORT_SCALE.requiredKinds?.length ?? 0);
  });

  it('at full scale with every feature › every kind at least once; without features › none that needs one', () => {
    for (let seed = 0; seed < 50; seed++) {
      expect(new Set(plan(seed, FULL_SCALE).map((s) => s.fault.kind)).size).toBe(FAULT_KINDS.length);
      expect(plan(seed, FULL_SCALE, NO_FEATURES).every((s) => kindNeeds(s.fault.kind, NO_FEATURES))).toBe(true);
    }
  });

  for (const scale of [SHORT_SCALE, FULL_SCALE]) {
    it(`over 300 seeds (${scale.name}) › faults in time order within the phase, instances within bounds, SMTP failure windows short and apart`, () => {
      for (let seed = 0; seed < 300; seed++) {
        const schedule = plan(seed, scale);
        expect(schedule.length).toBeGreaterThan(0);
        const times = schedule.map((s) => s.atMs);
        expect(times).toEqual([...times].sort((a, b) => a - b));
        expect(times.every((t) => t >= 2_000 && t <= scale.chaosMs - 4_000)).toBe(true);
        const counts = memberCounts(schedule, scale.instances.initial);
        expect(counts.every((n) => n >= scale.instances.min && n <= scale.instances.max)).toBe(true);

        const windows = plannedFailureWindows(schedule);
        for (const [i, w] of windows.entries()) {
          expect(w.endMs - w.startMs).toBeLessThan(RETRY_WINDOW);
          const next = windows[i + 1];
          if (next) expect(next.startMs - w.endMs).toBeGreaterThanOrEqual(RETRY_WINDOW + FAILURE_SPACING_MARGIN_MS);
        }
        expect(retriesCouldExhaust(windows, RETRIES)).toBe(false);

        const brokerTimes = schedule.filter((s) => isBrokerFault(s.fault.kind)).map((s) => s.atMs);
        for (let i = 1; i < brokerTimes.length; i++)
          expect((brokerTimes[i] as number) - (brokerTimes[i - 1] as number)).toBeGreaterThanOrEqual(scale.brokerSpacingMs);
        expect(schedule.filter((s) => s.fault.kind === 'add-partitions').length).toBeLessThanOrEqual(2);
        expect(schedule.every((s) => !isSmtpFailure(s.fault) || s.fault.durationMs >= 2_000)).toBe(true);
      }
    });
  }

  it('when a failure window could outlast the retry window › RangeError, before planning anything', () => {
    expect(() =>
      planSchedule({
        prng: createPrng(1),
        durationMs: 60_000,
        faults: 5,
        everyKindOnce: false,
        instances: { initial: 2, min: 1, max: 3 },
        retryWindowMs: 10_000,
      }),
    ).toThrow(/smtpOutageMs shorter than the retry window/);
  });

  it('when the instance bounds are inconsistent › RangeError', () => {
    expect(() =>
      planSchedule({
        prng: createPrng(1),
        durationMs: 60_000,
        faults: 5,
        everyKindOnce: false,
        instances: { initial: 4, min: 1, max: 3 },
        retryWindowMs: RETRY_WINDOW,
      }),
    ).toThrow(RangeError);
  });
});
