import { describe, expect, it } from 'vitest';

import { chaosPlanFromEnv, drawFeatures, FULL_SCALE, SHORT_SCALE, SHORT_SEED } from '../../../test/chaos/chaos-scale.js';
import { ALL_FEATURES, NO_FEATURES } from '../../../test/chaos/fault.js';

let next = 100;
const seeds = () => next++;

describe('chaosPlanFromEnv', () => {
  it('by default › the short form: its fixed seed, every feature on', () => {
    expect(chaosPlanFromEnv({})).toEqual({ scale: SHORT_SCALE, runs: [{ seed: SHORT_SEED, features: ALL_FEATURES }] });
  });

  it('CHAOS_SCALE=full › five new seeds, the first with every feature, the others drawn from their seed', () => {
    next = 100;
    const plan = chaosPlanFromEnv({ CHAOS_SCALE: 'full' }, seeds);
    expect(plan.scale).toBe(FULL_SCALE);
    expect(plan.runs).toEqual([{ seed: 100, features: ALL_FEATURES }, ...[101, 102, 103, 104].map((seed) => ({ seed, features: drawFeatures(seed) }))]);
  });

  it('drawn features › each on and off over seeds; the cluster rate brings the ledger (they share REDIS_URL)', () => {
    const draws = Array.from({ length: 200 }, (_, seed) => drawFeatures(seed));
    for (const key of ['receipts', 'fallback', 'clusterRate', 'ledger'] as const) {
      expect(draws.some((f) => f[key])).toBe(true);
      expect(draws.some((f) => !f[key])).toBe(true);
    }
    expect(draws.every((f) => !f.clusterRate || f.ledger)).toBe(true);
  });

  it('CHAOS_SEED replays that seed alone; CHAOS_FEATURES applies to every run; CHAOS_RUNS sets the count', () => {
    expect(chaosPlanFromEnv({ CHAOS_SCALE: 'full', CHAOS_SEED: '77' }).runs).toEqual([{ seed: 77, features: drawFeatures(77) }]);
    expect(chaosPlanFromEnv({ CHAOS_SEED: '77', CHAOS_FEATURES: 'receipts,rate' }).runs).toEqual([
      { seed: 77, features: { receipts: true, fallback: false, clusterRate: true, ledger: true } },
    ]);
    expect(chaosPlanFromEnv({ CHAOS_FEATURES: 'none', CHAOS_LEDGER: 'redis' }).runs).toEqual([
      { seed: SHORT_SEED, features: { ...NO_FEATURES, ledger: true } },
    ]);
    next = 5;
    expect(chaosPlanFromEnv({ CHAOS_SCALE: 'full', CHAOS_RUNS: '2', CHAOS_FEATURES: 'all' }, seeds).runs).toEqual([
      { seed: 5, features: ALL_FEATURES },
      { seed: 6, features: ALL_FEATURES },
    ]);
  });

  it.each([
    [{ CHAOS_SCALE: 'huge' }, /CHAOS_SCALE/],
    [{ CHAOS_SEED: 'x' }, /CHAOS_SEED/],
    [{ CHAOS_LEDGER: 'memcached' }, /CHAOS_LEDGER/],
    [{ CHAOS_FEATURES: 'receipts,dkim' }, /CHAOS_FEATURES/],
    [{ CHAOS_RUNS: '0' }, /CHAOS_RUNS/],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => chaosPlanFromEnv(env)).toThrow(message);
  });
});
