import { describe, expect, it } from 'vitest';

import { attachNegativeValues } from '../../../src/platform/cli-args.js';

const OPTIONS = { limit: { type: 'string' }, 'dry-run': { type: 'boolean' } } as const;

describe('attachNegativeValues', () => {
  it.each([
    [['--limit', '-5'], ['--limit=-5']],
    [
      ['--limit', '-0.5', '--dry-run'],
      ['--limit=-0.5', '--dry-run'],
    ],
    [
      ['--limit', '5'],
      ['--limit', '5'],
    ],
    [
      ['--dry-run', '-5'],
      ['--dry-run', '-5'],
    ],
    [
      ['--limit', '--dry-run'],
      ['--limit', '--dry-run'],
    ],
    [
      ['--other', '-5'],
      ['--other', '-5'],
    ],
  ])('%j → %j', (argv, expected) => {
    expect(attachNegativeValues(argv, OPTIONS)).toEqual(expected);
  });
});
