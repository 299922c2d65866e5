import { afterEach, describe, expect, it, vi } from 'vitest';

import { type PhaseSecond, startPhaseSeconds } from '../../../bench/phase-seconds.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('phase seconds', () => {
  it('hands each second with mail its count and the phases\u2019 p50/p95, then starts afresh', () => {
    vi.useFakeTimers();
    const seconds: PhaseSecond[] = [];
    const phases = startPhaseSeconds((s) => seconds.push(s));
    for (let ms = 1; ms <= 20; ms += 1) phases.onPhase('stream', ms);
    phases.onPhase('turnaround', 3);
    phases.onMail();
    phases.onMail();
    vi.advanceTimersByTime(1_000);
    phases.onMail();
    vi.advanceTimersByTime(1_000);
    phases.stop();

    expect(seconds).toEqual([
      { accepted: 2, turnaroundMs: { p50: 3, p95: 3 }, streamMs: { p50: 10, p95: 19 } },
      { accepted: 1, turnaroundMs: { p50: undefined, p95: undefined }, streamMs: { p50: undefined, p95: undefined } },
    ]);
    expect(JSON.stringify(seconds[1])).toBe('{"accepted":1,"turnaroundMs":{},"streamMs":{}}');
  });

  it('says nothing for a second without mail, nor after stop()', () => {
    vi.useFakeTimers();
    const seconds: PhaseSecond[] = [];
    const phases = startPhaseSeconds((s) => seconds.push(s));
    phases.onPhase('stream', 5);
    vi.advanceTimersByTime(1_000);
    phases.stop();
    phases.stop();
    phases.onMail();
    vi.advanceTimersByTime(5_000);
    expect(seconds).toEqual([]);
  });
});
