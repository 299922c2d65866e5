import { describe, expect, it } from 'vitest';

import { readDlqRecord, REDRIVE_COUNT_HEADER } from '../../../src/redrive/dlq-record.js';
import { parseRedriveArgs } from '../../../src/redrive/redrive-options.js';
import { selectRecord } from '../../../src/redrive/select-record.js';
import { type DlqFixture, dlqMessage } from './dlq-record-fixture.js';

function verdict(fixture: DlqFixture, args: string[] = [], { dlqTopic = 'signups.dlq' } = {}) {
  const { selection, maxRedrives } = parseRedriveArgs(args);
  return selectRecord(readDlqRecord(0, dlqMessage(fixture)), { selection, maxRedrives, dlqTopic });
}

describe('selectRecord', () => {
  it('without filters › redrives', () => {
    expect(verdict({})).toEqual({ action: 'redrive' });
  });

  it('with --reason › redrives only records of those reasons', () => {
    expect(verdict({ reason: 'smtp_permanent' }, ['--reason=smtp_permanent', '--reason=invalid_event'])).toEqual({ action: 'redrive' });
    expect(verdict({ reason: 'retries_exhausted' }, ['--reason=smtp_permanent'])).toEqual({ action: 'skip', why: 'reason' });
  });

  it('with --since/--until › includes since, excludes until', () => {
    const window = ['--since=2025-01-01T10:00:00Z', '--until=2025-01-01T11:00:00Z'];
    expect(verdict({ failedAt: '2025-01-01T10:00:00.000Z' }, window).action).toBe('redrive');
    expect(verdict({ failedAt: '2025-01-01T10:59:59.999Z' }, window).action).toBe('redrive');
    expect(verdict({ failedAt: '2025-01-01T09:59:59.999Z' }, window)).toEqual({ action: 'skip', why: 'failed-at' });
    expect(verdict({ failedAt: '2025-01-01T11:00:00.000Z' }, window)).toEqual({ action: 'skip', why: 'failed-at' });
  });

  it('with --partition and --from-offset/--to-offset › compares the original partition and offset, both bounds inclusive', () => {
    const range = ['--partition=1', '--from-offset=5', '--to-offset=7'];
    expect(verdict({ partition: 1, offset: 5 }, range).action).toBe('redrive');
    expect(verdict({ partition: 1, offset: 7 }, range).action).toBe('redrive');
    expect(verdict({ partition: 1, offset: 4 }, range)).toEqual({ action: 'skip', why: 'offset' });
    expect(verdict({ partition: 1, offset: 8 }, range)).toEqual({ action: 'skip', why: 'offset' });
    expect(verdict({ partition: 0, offset: 6 }, range)).toEqual({ action: 'skip', why: 'partition' });
  });

  it('with the default --max-redrives 3 › redrives a record redriven twice and refuses one at 3', () => {
    expect(verdict({ headers: { [REDRIVE_COUNT_HEADER]: '2' } }).action).toBe('redrive');
    expect(verdict({ headers: { [REDRIVE_COUNT_HEADER]: '3' } })).toEqual({ action: 'refuse', why: 'max-redrives' });
    expect(verdict({ headers: { [REDRIVE_COUNT_HEADER]: '1' } }, ['--max-redrives=1'])).toEqual({ action: 'refuse', why: 'max-redrives' });
  });

  it('when the redrive count is not a number › refuses rather than guess', () => {
    expect(verdict({ headers: { [REDRIVE_COUNT_HEADER]: 'many' } })).toEqual({ action: 'refuse', why: 'bad-redrive-count' });
  });

  it('when the record names the DLQ itself as its origin › refuses (it would loop)', () => {
    expect(verdict({}, [], { dlqTopic: 'signups' })).toEqual({ action: 'refuse', why: 'original-is-dlq' });
  });

  it('when a filter does not match › skips before any guard refuses', () => {
    expect(verdict({ reason: 'invalid_event', headers: { [REDRIVE_COUNT_HEADER]: '9' } }, ['--reason=smtp_permanent'])).toEqual({
      action: 'skip',
      why: 'reason',
    });
  });
});
