import type { HistoryVerdict } from './history.js';

export interface VerdictLimits {
  /** The most extra copies of any kind (mails and DLQ records) this run may explain; see duplicate-bound.ts. */
  readonly maxExtraCopies: number;
  /** The most extra mails (with the sent ledger: far fewer than extra copies in general). @default maxExtraCopies */
  readonly maxExtraMails?: number;
}

/** Everything that fails a run, one line each; empty when the run passed. */
export function violations(v: HistoryVerdict, limits: VerdictLimits): string[] {
  const out: string[] = [];
  const sample = (ids: readonly string[]): string => `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}`;
  if (v.lost.length > 0) {
    const past = v.lost.filter((l) => l.committedPast);
    out.push(
      `lost ${v.lost.length}: due events neither accepted nor dead-lettered (${past.length} behind the committed offset, ` +
        `${v.lost.length - past.length} not committed past): ${sample(v.lost.map((l) => `${l.eventId}@${l.partition}:${l.offset}`))}`,
    );
  }
  if (v.deliveredAborted.length > 0) {
    out.push(`delivered-but-aborted ${v.deliveredAborted.length}: ${sample(v.deliveredAborted.map((d) => `${d.eventId} (${d.how})`))}`);
  }
  if (v.unexpectedDlq.length > 0) {
    const reasons = new Map<string, number>();
    for (const d of v.unexpectedDlq) reasons.set(d.reason, (reasons.get(d.reason) ?? 0) + 1);
    out.push(
      `dead-lettered without cause ${v.unexpectedDlq.length} (${[...reasons].map(([r, n]) => `${r} ×${n}`).join(', ')}): ` +
        sample(v.unexpectedDlq.map((d) => `${d.eventId}@${d.partition}:${d.offset}`)),
    );
  }
  if (v.stuck.length > 0) {
    out.push(
      `stuck partitions ${v.stuck.length}: ` +
        v.stuck
          .map(
            (s) =>
              `p${s.partition} committed ${s.committed ?? 'nothing'} < end ${s.end} (${s.pending === 0 ? 'only transaction markers / aborted records behind' : `${s.pending} due records behind`})`,
          )
          .join('; '),
    );
  }
  if (v.duplicates.totalExtra > limits.maxExtraCopies) {
    out.push(`duplicates ${v.duplicates.totalExtra} extra copies exceed the bound ${limits.maxExtraCopies}`);
  }
  const extraMails = v.duplicates.extraCopies + v.duplicates.deliveredAndDeadLettered;
  if (limits.maxExtraMails !== undefined && limits.maxExtraMails < limits.maxExtraCopies && extraMails > limits.maxExtraMails) {
    out.push(`duplicates ${extraMails} extra mails exceed the bound ${limits.maxExtraMails} (sent ledger on)`);
  }
  return out;
}
