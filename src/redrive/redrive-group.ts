import { createHash } from 'node:crypto';

import type { RedriveSelection } from './redrive-options.js';

/**
 * A stable fingerprint of the filters (order and duplicates do not matter). `--limit`, `--rate` and
 * `--max-redrives` are not part of it: they change how far a run goes, not what it is about.
 */
export function selectionFingerprint(selection: RedriveSelection): string {
  const canonical = JSON.stringify({
    reasons: [...selection.reasons].sort(),
    since: selection.since?.toISOString() ?? null,
    until: selection.until?.toISOString() ?? null,
    partitions: [...selection.partitions].sort((a, b) => a - b),
    fromOffset: selection.fromOffset?.toString() ?? null,
    toOffset: selection.toOffset?.toString() ?? null,
    // Only when given, so the groups of selections without it keep their fingerprint (and position).
    ...(selection.eventIds.length > 0 ? { eventIds: [...selection.eventIds].sort() } : {}),
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

export function hasFilters(selection: RedriveSelection): boolean {
  const { reasons, since, until, partitions, fromOffset, toOffset, eventIds } = selection;
  return reasons.length > 0 || partitions.length > 0 || eventIds.length > 0 || [since, until, fromOffset, toOffset].some((v) => v !== undefined);
}

/**
 * The consumer group that keeps a selection's position: `<serviceGroup>.redrive` for the whole DLQ,
 * `<serviceGroup>.redrive.<fingerprint>` for a filtered selection, so a run with other filters
 * starts from the beginning of the DLQ instead of after records an earlier run skipped.
 */
export function redriveGroupId(serviceGroupId: string, selection: RedriveSelection): string {
  const base = `${serviceGroupId}.redrive`;
  return hasFilters(selection) ? `${base}.${selectionFingerprint(selection)}` : base;
}

/** Stored as the metadata of every commit, to refuse a group that was used for another selection. */
export function commitMetadata(selection: RedriveSelection): string {
  return `redrive:${selectionFingerprint(selection)}`;
}
