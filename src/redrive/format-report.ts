import type { RedriveRow, RedriveSummary } from './redrive-types.js';

const COLUMNS = ['dlq partition/offset', 'action', 'reason', 'smtp', 'eventId', 'failed-at', 'attempts', 'redrives', 'original', 'error'] as const;
/** The error is last and cut to this many characters, so rows stay one line each. */
const ERROR_WIDTH = 120;

/** A plain-text table of DLQ records (never their values: those hold addresses). */
export function formatTable(rows: readonly RedriveRow[]): string {
  const cells = rows.map((row) => {
    const { record } = row;
    const original = record.originalTopic === undefined ? '-' : `${record.originalTopic}/${record.originalPartition ?? '?'}/${record.originalOffset ?? '?'}`;
    return [
      `${row.partition}/${row.offset}`,
      row.why === undefined ? row.action : `${row.action} (${row.why})`,
      record.reason ?? '-',
      record.smtpCode === undefined ? '-' : String(record.smtpCode),
      record.eventId ?? '-',
      record.failedAt?.toISOString() ?? '-',
      record.attempts === undefined ? '-' : String(record.attempts),
      Number.isNaN(record.redriveCount) ? '?' : String(record.redriveCount),
      original,
      oneLine(record.error ?? '-'),
    ];
  });
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...cells.map((line) => (line[i] as string).length)));
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => value.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(COLUMNS), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > ERROR_WIDTH ? `${flat.slice(0, ERROR_WIDTH - 1)}…` : flat;
}

export function formatSummary(summary: RedriveSummary): string {
  const redriven = summary.dryRun ? 'would redrive' : 'redriven';
  const stopped = {
    end: 'at the end of the DLQ (as of the start of the run)',
    limit: 'at --limit',
    interrupted: 'interrupted: re-run to continue',
    error: `on an error: ${summary.error instanceof Error ? summary.error.message : String(summary.error)}`,
  }[summary.stoppedBy];
  const label = (name: string) => `  ${name.padEnd(14)}`;
  const lines = [
    `DLQ redrive${summary.dryRun ? ' (dry run: nothing published, nothing committed)' : ''}`,
    `${label('DLQ topic')}${summary.dlqTopic}`,
    `${label('group')}${summary.group}`,
    `${label('stopped')}${stopped}`,
    `${label('examined')}${summary.examined}`,
    `${label(redriven)}${summary.redriven}`,
    ...counts(summary.redrivenByReason),
    `${label('skipped')}${summary.skipped} (not selected: left for runs with other filters)`,
    `${label('refused')}${summary.refused.length}`,
    ...counts(tally(summary.refused.map((row) => row.why ?? 'unknown'))),
  ];
  if (summary.refused.length > 0) lines.push('', 'Refused records:', formatTable(summary.refused));
  return lines.join('\n');
}

function counts(byKey: Readonly<Record<string, number>>): string[] {
  return Object.entries(byKey)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `    ${key.padEnd(20)}${n}`);
}

function tally(keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of keys) out[key] = (out[key] ?? 0) + 1;
  return out;
}
