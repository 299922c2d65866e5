import { describe, expect, it } from 'vitest';
import { FULL_SCALE, SHORT_SCALE, SHORT_SEED, type ChaosScale } from '../../../test/chaos/chaos-scale.js';
import { FAULT_KINDS, describeSchedule, isSmtpFailure, type ScheduledFault } from '../../../test/chaos/fault.js';
import { FAILURE_SPACING_MARGIN_MS, planSchedule, plannedFailureWindows } from '../../../test/chaos/plan-schedule.js';
import { createPrng } from '../../../test/chaos/prng.js';
import { retriesCouldExhaust } from '../../../test/chaos/retries-could-exhaust.js';

const RETRIES = { delaysMs: [1_000, 5_000, 10_000], maxRetries: 3 };
const RETRY_WINDOW = 16_000;

function plan(seed: number, scale: ChaosScale): ScheduledFault[] {
  return planSchedule({
    prng: createPrng(seed).fork('schedule'),
    durationMs: scale.chaosMs,
    faults: scale.faults,
    everyKindOnce: scale.everyKindOnce,
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

  it('the short form’s seed places every fault kind once, inside the chaos phase', () => {
    const schedule = plan(SHORT_SEED, SHORT_SCALE);
    expect(schedule.map((s) => s.fault.kind).sort()).toEqual([...FAULT_KINDS].sort());
    expect(describeSchedule(schedule).split('\n')).toHaveLength(FAULT_KINDS.length);
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

        const brokerTimes = schedule.filter((s) => s.fault.kind === 'broker-restart').map((s) => s.atMs);
        for (let i = 1; i < brokerTimes.length; i++) expect((brokerTimes[i] as number) - (brokerTimes[i - 1] as number)).toBeGreaterThanOrEqual(25_000);
        expect(schedule.filter((s) => s.fault.kind === 'add-partitions').length).toBeLessThanOrEqual(2);
        expect(schedule.every((s) => !isSmtpFailure(s.fault) || s.fault.durationMs >= 2_000)).toBe(true);
      }
    });
  }

  it('when a failure window could outlast the retry window › RangeError, before planning anything', () => {
    expect(() =>
      planSchedule({ prng: createPrng(1), durationMs: 60_000, faults: 5, everyKindOnce: false, instances: { initial: 2, min: 1, max: 3 }, retryWindowMs: 10_000 }),
    ).toThrow(/smtpOutageMs shorter than the retry window/);
  });

  it('when the instance bounds are inconsistent › RangeError', () => {
    expect(() =>
      planSchedule({ prng: createPrng(1), durationMs: 60_000, faults: 5, everyKindOnce: false, instances: { initial: 4, min: 1, max: 3 }, retryWindowMs: RETRY_WINDOW }),
    ).toThrow(RangeError);
  });
});
