import { describe, expect, it } from 'vitest';

import { readDlqRecord } from '../../../src/redrive/dlq-record.js';
import { formatTable } from '../../../src/redrive/format-report.js';
import { redriveGroupId, selectionFingerprint } from '../../../src/redrive/redrive-group.js';
import { parseRedriveArgs } from '../../../src/redrive/redrive-options.js';
import { selectRecord } from '../../../src/redrive/select-record.js';
import { dlqMessage } from './dlq-record-fixture.js';

const record = (eventId: string) => readDlqRecord(0, dlqMessage({ eventId, reason: 'retries_exhausted' }, '12'));

describe('redrive › the SMTP code and error of a record, and --event-id', () => {
  it('reads dlq.smtp.code and dlq.error from the record', () => {
    expect(record('evt-1')).toMatchObject({ smtpCode: 451, error: 'failed' });
  });

  it('the dry-run table shows dlq.reason, the SMTP code and the error', () => {
    const lines = formatTable([{ partition: 0, offset: '12', action: 'would-redrive', record: record('evt-1') }]).split('\n');
    expect(lines[0]).toMatch(/reason.*smtp.*error/);
    expect(lines[2]).toMatch(/retries_exhausted.*451.*failed/);
  });

  it('a long error is cut in the table (the record keeps it)', () => {
    const long = readDlqRecord(0, dlqMessage({ headers: { 'dlq.error': 'x'.repeat(500) } }));
    const row = { partition: 0, offset: '0', action: 'would-redrive' as const, record: { ...long, error: 'x'.repeat(500) } };
    expect(formatTable([row]).split('\n')[2]?.length).toBeLessThan(300);
  });

  it('--event-id selects that event only (repeatable); others are skipped for another run', () => {
    const { selection, maxRedrives } = parseRedriveArgs(['--event-id', 'evt-2', '--event-id=evt-3']);
    expect(selection.eventIds).toEqual(['evt-2', 'evt-3']);
    const verdict = (id: string) => selectRecord(record(id), { selection, maxRedrives, dlqTopic: 'signups.dlq' });
    expect(verdict('evt-2')).toEqual({ action: 'redrive' });
    expect(verdict('evt-1')).toEqual({ action: 'skip', why: 'event-id' });
  });

  it('--event-id is a filter with its own group; without it the fingerprint of other filters is unchanged', () => {
    expect(redriveGroupId('g', parseRedriveArgs(['--event-id=evt-2']).selection)).toMatch(/^g\.redrive\.[0-9a-f]{12}$/);
    // Groups of runs before --event-id existed keep their position.
    expect(selectionFingerprint(parseRedriveArgs(['--reason=smtp_permanent']).selection)).toBe(
      selectionFingerprint({ ...parseRedriveArgs(['--reason=smtp_permanent']).selection, eventIds: [] }),
    );
    expect(selectionFingerprint(parseRedriveArgs(['--reason=smtp_permanent']).selection)).not.toBe(
      selectionFingerprint(parseRedriveArgs(['--reason=smtp_permanent', '--event-id=e']).selection),
    );
  });

  it('--event-id must look like an event id', () => {
    expect(() => parseRedriveArgs(['--event-id', 'a b'])).toThrow(/--event-id/);
  });
});
