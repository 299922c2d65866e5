import { describe, expect, it } from 'vitest';

import { parseBenchArgs } from '../../../bench/options.js';

describe('parseBenchArgs', () => {
  it('compares every variant by default, B0pre included', () => {
    expect(parseBenchArgs([]).variants).toEqual(['B0', 'B0pre', 'B1', "B1'", 'ours']);
  });

  it('refuses an unknown variant, naming the known ones', () => {
    expect(() => parseBenchArgs(['--variants', 'B0,B2'])).toThrow('--variants: unknown "B2" (B0, B0pre, B1, B1\', ours)');
  });
});
