import { describe, expect, it } from 'vitest';

import { readDlqRecord } from '../../../src/redrive/dlq-record.js';
import type { RedriveSummary } from '../../../src/redrive/redrive-types.js';
import type { Verdict } from '../../../src/redrive/select-record.js';
import { emptySummary, tallyVerdict } from '../../../src/redrive/tally-verdict.js';
import { dlqMessage } from './dlq-record-fixture.js';

const startSummary = (dryRun: boolean): RedriveSummary => emptySummary('signups.dlq', 'g', dryRun);
const at = () => ({ partition: 0, offset: '3', record: readDlqRecord(0, dlqMessage({ reason: 'smtp_permanent' }, '3')) });

describe('tallyVerdict', () => {
  it.each<[Verdict, boolean, string, Partial<RedriveSummary>]>([
    [{ action: 'redrive' }, false, 'redriven', { examined: 1, redriven: 1, skipped: 0, redrivenByReason: { smtp_permanent: 1 } }],
    [{ action: 'redrive' }, true, 'would-redrive', { examined: 1, redriven: 1, skipped: 0, redrivenByReason: { smtp_permanent: 1 } }],
    [{ action: 'skip', why: 'reason' }, false, 'skipped', { examined: 1, redriven: 0, skipped: 1, redrivenByReason: {} }],
    [{ action: 'refuse', why: 'max-redrives' }, false, 'refused', { examined: 1, redriven: 0, skipped: 0, redrivenByReason: {} }],
  ])('%j (dry run %s) → %s', (verdict, dryRun, action, counts) => {
    const summary = startSummary(dryRun);
    const row = tallyVerdict(summary, verdict, at());
    expect(row.action).toBe(action);
    expect(summary).toMatchObject(counts);
    expect(summary.refused).toEqual(verdict.action === 'refuse' ? [row] : []);
    if (verdict.action !== 'redrive') expect(row.why).toBe(verdict.why);
  });
});
