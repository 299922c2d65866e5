import type { RedriveRow, RedriveSummary } from './redrive-types.js';
import type { Verdict } from './select-record.js';

/** The summary of a run before its first record: nothing examined, stopped by the end of the DLQ until told otherwise. */
export function emptySummary(dlqTopic: string, group: string, dryRun: boolean): RedriveSummary {
  return { dlqTopic, group, dryRun, stoppedBy: 'end', error: undefined, examined: 0, redriven: 0, redrivenByReason: {}, skipped: 0, refused: [] };
}

/**
 * Counts one examined record in the summary by its verdict and returns its row. Called after a
 * selected record was republished (or, in a dry run, would have been).
 */
export function tallyVerdict(summary: RedriveSummary, verdict: Verdict, at: Omit<RedriveRow, 'action' | 'why'>): RedriveRow {
  summary.examined += 1;
  switch (verdict.action) {
    case 'redrive': {
      summary.redriven += 1;
      const reason = at.record.reason ?? 'unknown';
      summary.redrivenByReason[reason] = (summary.redrivenByReason[reason] ?? 0) + 1;
      return { ...at, action: summary.dryRun ? 'would-redrive' : 'redriven' };
    }
    case 'skip':
      summary.skipped += 1;
      return { ...at, action: 'skipped', why: verdict.why };
    case 'refuse': {
      const row: RedriveRow = { ...at, action: 'refused', why: verdict.why };
      summary.refused.push(row);
      return row;
    }
    default: {
      const never: never = verdict;
      throw new Error(`unknown verdict ${JSON.stringify(never)}`);
    }
  }
}
