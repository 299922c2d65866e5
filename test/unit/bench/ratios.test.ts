import { describe, expect, it } from 'vitest';

import type { Measurement } from '../../../bench/measure.js';
import { parseBenchArgs } from '../../../bench/options.js';
import { ratios } from '../../../bench/ratios.js';
import type { BenchResult } from '../../../bench/result.js';
import type { ThroughputCell } from '../../../bench/scenarios/throughput.js';

const m = (rate: number): Measurement => ({
  rate,
  rejectedPerSecond: 0,
  connectionsOpened: 0,
  eventLoopDelayMs: { p50: 0, p99: 0, max: 0 },
  commitsPerSecond: undefined,
  backlogExhausted: false,
  cpuProfile: undefined,
});

function result(cell: Partial<ThroughputCell> & Pick<ThroughputCell, 'runs'>): BenchResult {
  return {
    options: parseBenchArgs([]),
    throughput: [{ latencyMs: 50, concurrency: 50, wMs: 50, oursBuffer: 200, rates: {}, ...cell }],
    faults: undefined,
    drain: undefined,
    memory: undefined,
  } as unknown as BenchResult;
}

describe('ratios', () => {
  it('pairs run i of ours with run i of the peer and reports the median, min and max', () => {
    const r = ratios(result({ runs: { ours: [m(900), m(600), m(950)], B0: [m(1000), m(1000), m(1000)] } }));
    expect(r.find((x) => x.target === 'ours / B0')).toMatchObject({ value: 0.9, min: 0.6, max: 0.95, goal: 0.95, met: false });
  });

  it("holds ours against Little's bound C / W with the 0.90 goal at C = 50, L = 50 ms", () => {
    const r = ratios(result({ runs: { ours: [m(870)] } }));
    expect(r.find((x) => x.target.startsWith("ours / Little's bound"))).toMatchObject({ value: 0.87, goal: 0.9, met: false });
  });

  it('scales the B1 ratios by C and by C / partitions', () => {
    const r = ratios(result({ runs: { ours: [m(900)], B1: [m(20)], "B1'": [m(120)] } }));
    expect(r.find((x) => x.target === '(ours / B1) / C')?.value).toBeCloseTo(0.9);
    expect(r.find((x) => x.target.startsWith('(ours / B1′)'))?.value).toBeCloseTo(0.9);
  });

  it('adds ours / B0pre, for context, only when B0pre ran', () => {
    expect(ratios(result({ runs: { ours: [m(800)] } })).some((x) => x.target === 'ours / B0pre')).toBe(false);
    expect(ratios(result({ runs: { ours: [m(800)], B0pre: [m(1000)] } })).find((x) => x.target === 'ours / B0pre')).toMatchObject({
      value: 0.8,
      goal: undefined,
      met: undefined,
    });
  });
});
