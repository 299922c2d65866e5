import { describe, expect, it } from 'vitest';

import { commitMetadata, redriveGroupId, selectionFingerprint } from '../../../src/redrive/redrive-group.js';
import { parseRedriveArgs } from '../../../src/redrive/redrive-options.js';

const selection = (...args: string[]) => parseRedriveArgs(args).selection;

describe('redriveGroupId', () => {
  it('without filters › is <service group>.redrive', () => {
    expect(redriveGroupId('email-dispatcher', selection())).toBe('email-dispatcher.redrive');
  });

  it('with filters › appends a fingerprint of them', () => {
    expect(redriveGroupId('email-dispatcher', selection('--reason=smtp_permanent'))).toMatch(/^email-dispatcher\.redrive\.[0-9a-f]{12}$/);
  });

  it('when the same filters come in another order or twice › gives the same group', () => {
    const a = selection('--reason=smtp_permanent', '--reason=retries_exhausted', '--partition=1', '--partition=0');
    const b = selection('--partition=0', '--reason=retries_exhausted', '--partition=1', '--reason=smtp_permanent', '--reason=smtp_permanent');
    expect(redriveGroupId('g', a)).toBe(redriveGroupId('g', b));
  });

  it('when --since is written with another zone for the same instant › gives the same group', () => {
    expect(selectionFingerprint(selection('--since=2025-01-01T01:00:00+01:00'))).toBe(selectionFingerprint(selection('--since=2025-01-01T00:00:00Z')));
  });

  it.each([
    ['--reason=smtp_permanent', '--reason=retries_exhausted'],
    ['--since=2025-01-01', '--until=2025-01-01'],
    ['--partition=1', '--partition=2'],
    ['--from-offset=5', '--to-offset=5'],
  ])('when the filters differ (%s vs %s) › gives another group', (a, b) => {
    expect(redriveGroupId('g', selection(a))).not.toBe(redriveGroupId('g', selection(b)));
  });

  it('ignores --limit, --rate and --max-redrives: they do not change what the run is about', () => {
    const base = parseRedriveArgs(['--reason=smtp_permanent']);
    const tuned = parseRedriveArgs(['--reason=smtp_permanent', '--limit=5', '--rate=2', '--max-redrives=9', '--dry-run']);
    expect(redriveGroupId('g', tuned.selection)).toBe(redriveGroupId('g', base.selection));
  });
});

describe('commitMetadata', () => {
  it('names the selection, so a group reused for another selection can be refused', () => {
    expect(commitMetadata(selection('--reason=smtp_permanent'))).toBe(`redrive:${selectionFingerprint(selection('--reason=smtp_permanent'))}`);
    expect(commitMetadata(selection())).not.toBe(commitMetadata(selection('--reason=smtp_permanent')));
  });
});
