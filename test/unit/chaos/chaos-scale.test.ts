import { describe, expect, it } from 'vitest';
import { chaosPlanFromEnv, FULL_SCALE, SHORT_SCALE, SHORT_SEED } from '../../../test/chaos/chaos-scale.js';

let next = 100;
const seeds = () => next++;

describe('chaosPlanFromEnv', () => {
  it('by default › the short form: its fixed seed, no ledger', () => {
    expect(chaosPlanFromEnv({})).toEqual({ scale: SHORT_SCALE, runs: [{ seed: SHORT_SEED, ledger: 'none' }] });
  });

  it('CHAOS_SCALE=full › three new seeds, then the first again with the Redis ledger', () => {
    next = 100;
    expect(chaosPlanFromEnv({ CHAOS_SCALE: 'full' }, seeds)).toEqual({
      scale: FULL_SCALE,
      runs: [
        { seed: 100, ledger: 'none' },
        { seed: 101, ledger: 'none' },
        { seed: 102, ledger: 'none' },
        { seed: 100, ledger: 'redis' },
      ],
    });
  });

  it('CHAOS_SEED replays that seed alone; CHAOS_LEDGER applies to every run; CHAOS_RUNS sets the count', () => {
    expect(chaosPlanFromEnv({ CHAOS_SCALE: 'full', CHAOS_SEED: '77' }).runs).toEqual([{ seed: 77, ledger: 'none' }]);
    expect(chaosPlanFromEnv({ CHAOS_SEED: '77', CHAOS_LEDGER: 'redis' }).runs).toEqual([{ seed: 77, ledger: 'redis' }]);
    next = 5;
    expect(chaosPlanFromEnv({ CHAOS_SCALE: 'full', CHAOS_RUNS: '2', CHAOS_LEDGER: 'none' }, seeds).runs).toEqual([
      { seed: 5, ledger: 'none' },
      { seed: 6, ledger: 'none' },
    ]);
  });

  it.each([
    [{ CHAOS_SCALE: 'huge' }, /CHAOS_SCALE/],
    [{ CHAOS_SEED: 'x' }, /CHAOS_SEED/],
    [{ CHAOS_LEDGER: 'memcached' }, /CHAOS_LEDGER/],
    [{ CHAOS_RUNS: '0' }, /CHAOS_RUNS/],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => chaosPlanFromEnv(env)).toThrow(message);
  });
});
