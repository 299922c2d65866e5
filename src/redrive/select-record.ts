import type { DlqRecord } from './dlq-record.js';
import type { RedriveSelection } from './redrive-options.js';

/** Not chosen by this run's filters: left for a run with other filters. */
export type SkipReason = 'reason' | 'failed-at' | 'partition' | 'offset' | 'event-id';
/** Chosen, but must not be redriven: reported. */
export type RefuseReason = 'max-redrives' | 'bad-redrive-count' | 'no-original-topic' | 'original-is-dlq';

export type Verdict =
  { readonly action: 'redrive' } | { readonly action: 'skip'; readonly why: SkipReason } | { readonly action: 'refuse'; readonly why: RefuseReason };

export interface SelectOptions {
  readonly selection: RedriveSelection;
  readonly maxRedrives: number;
  readonly dlqTopic: string;
}

/** Filters first (a record nobody asked for is skipped, not refused), then the guards. */
export function selectRecord(record: DlqRecord, { selection, maxRedrives, dlqTopic }: SelectOptions): Verdict {
  const { reasons, since, until, partitions, fromOffset, toOffset, eventIds } = selection;
  if (reasons.length > 0 && !(reasons as readonly string[]).includes(record.reason ?? '')) return { action: 'skip', why: 'reason' };
  if (since !== undefined || until !== undefined) {
    const at = record.failedAt?.getTime();
    if (at === undefined || (since !== undefined && at < since.getTime()) || (until !== undefined && at >= until.getTime()))
      return { action: 'skip', why: 'failed-at' };
  }
  if (partitions.length > 0 && (record.originalPartition === undefined || !partitions.includes(record.originalPartition)))
    return { action: 'skip', why: 'partition' };
  if (fromOffset !== undefined || toOffset !== undefined) {
    const at = record.originalOffset;
    if (at === undefined || (fromOffset !== undefined && at < fromOffset) || (toOffset !== undefined && at > toOffset))
      return { action: 'skip', why: 'offset' };
  }
  if (eventIds.length > 0 && (record.eventId === undefined || !eventIds.includes(record.eventId))) return { action: 'skip', why: 'event-id' };
  if (record.originalTopic === undefined) return { action: 'refuse', why: 'no-original-topic' };
  if (record.originalTopic === dlqTopic) return { action: 'refuse', why: 'original-is-dlq' };
  if (!Number.isSafeInteger(record.redriveCount)) return { action: 'refuse', why: 'bad-redrive-count' };
  // At the limit is refused: redriving it again would exceed --max-redrives.
  if (record.redriveCount >= maxRedrives) return { action: 'refuse', why: 'max-redrives' };
  return { action: 'redrive' };
}
