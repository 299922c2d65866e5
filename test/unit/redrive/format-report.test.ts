import { describe, expect, it } from 'vitest';

import { readDlqRecord } from '../../../src/redrive/dlq-record.js';
import { formatSummary, formatTable } from '../../../src/redrive/format-report.js';
import type { RedriveRow, RedriveSummary } from '../../../src/redrive/redrive-types.js';
import { dlqMessage } from './dlq-record-fixture.js';

const row = (action: RedriveRow['action'], why?: RedriveRow['why']): RedriveRow => ({
  partition: 0,
  offset: '12',
  action,
  ...(why ? { why } : {}),
  record: readDlqRecord(0, dlqMessage({ eventId: 'evt-42', reason: 'smtp_permanent', partition: 3, offset: 7 }, '12')),
});

const summary = (overrides: Partial<RedriveSummary> = {}): RedriveSummary => ({
  dlqTopic: 'user-signups.dlq',
  group: 'email-dispatcher.redrive',
  dryRun: false,
  stoppedBy: 'end',
  error: undefined,
  examined: 3,
  redriven: 1,
  redrivenByReason: { smtp_permanent: 1 },
  skipped: 1,
  refused: [row('refused', 'max-redrives')],
  ...overrides,
});

describe('formatTable', () => {
  it('lines up one row per record with its provenance, and never the value (it holds the address)', () => {
    const text = formatTable([row('redriven'), row('refused', 'max-redrives')]);
    const lines = text.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^dlq partition\/offset\s+action\s+reason\s+smtp\s+eventId/);
    expect(lines[2]).toContain('0/12');
    expect(lines[2]).toContain('smtp_permanent');
    expect(lines[2]).toContain('evt-42');
    expect(lines[2]).toContain('signups/3/7');
    expect(lines[3]).toContain('refused (max-redrives)');
    expect(text).not.toContain('@');
  });
});

describe('formatSummary', () => {
  it('counts by reason and lists refused records', () => {
    const text = formatSummary(summary());
    expect(text).toContain('stopped       at the end of the DLQ');
    expect(text).toMatch(/redriven\s+1/);
    expect(text).toMatch(/smtp_permanent\s+1/);
    expect(text).toMatch(/max-redrives\s+1/);
    expect(text).toContain('Refused records:');
  });

  it('says a dry run published and committed nothing, and why a run stopped on an error', () => {
    const text = formatSummary(summary({ dryRun: true, stoppedBy: 'error', error: new Error('Kafka did not answer'), refused: [] }));
    expect(text).toContain('dry run: nothing published, nothing committed');
    expect(text).toMatch(/would redrive\s+1/);
    expect(text).toContain('on an error: Kafka did not answer');
    expect(text).not.toContain('Refused records:');
  });
});
