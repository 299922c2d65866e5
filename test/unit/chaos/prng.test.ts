import { describe, expect, it } from 'vitest';

import { createPrng, MAX_SEED, parseSeed } from '../../../test/chaos/prng.js';

const draws = (seed: number, n = 8) => {
  const prng = createPrng(seed);
  return Array.from({ length: n }, () => prng.next());
};

describe('createPrng', () => {
  it('when two streams share a seed › they draw the same numbers; another seed draws others', () => {
    expect(draws(42)).toEqual(draws(42));
    expect(draws(42)).not.toEqual(draws(43));
  });

  it('draws stay in range: next in [0, 1), int within both bounds, pick from the list', () => {
    const prng = createPrng(7);
    for (let i = 0; i < 2_000; i++) {
      const x = prng.next();
      expect(x >= 0 && x < 1).toBe(true);
      const n = prng.int(-2, 3);
      expect(n >= -2 && n <= 3 && Number.isInteger(n)).toBe(true);
    }
    const seen = new Set(Array.from({ length: 200 }, () => prng.int(1, 3)));
    expect([...seen].sort()).toEqual([1, 2, 3]);
    expect(['a', 'b']).toContain(prng.pick(['a', 'b']));
  });

  it('shuffle returns a permutation and leaves its input alone', () => {
    const input = [1, 2, 3, 4, 5, 6];
    const out = createPrng(1).shuffle(input);
    expect([...out].sort()).toEqual(input);
    expect(input).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('when a stream is forked › the fork is reproducible and drawing from it does not shift the parent', () => {
    const a = createPrng(9);
    const b = createPrng(9);
    const forkA = a.fork('producer');
    forkA.next();
    forkA.next();
    expect(a.next()).toBe(b.next());
    expect(createPrng(9).fork('producer').next()).toBe(createPrng(9).fork('producer').next());
    expect(createPrng(9).fork('producer').next()).not.toBe(createPrng(9).fork('schedule').next());
  });

  it('when the seed is out of range › RangeError', () => {
    expect(() => createPrng(-1)).toThrow(RangeError);
    expect(() => createPrng(MAX_SEED + 1)).toThrow(RangeError);
    expect(() => createPrng(1.5)).toThrow(RangeError);
  });
});

describe('parseSeed', () => {
  it('reads a printed seed back', () => {
    expect(parseSeed('0')).toBe(0);
    expect(parseSeed(' 4294967295 ')).toBe(MAX_SEED);
  });

  it.each(['', '-1', '1e3', '0x10', '4294967296', 'abc'])('rejects %j naming CHAOS_SEED', (text) => {
    expect(() => parseSeed(text)).toThrow(/CHAOS_SEED/);
  });
});
