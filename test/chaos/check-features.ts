import type { TimeWindow } from './retries-could-exhaust.js';

/** A delivery receipt as read back from the receipts topic (src/settle/publish/receipt-message.ts). */
export interface ReceiptRecord {
  /** From the receipt's `source`, mapped to the log's eventId at that position when known, else its own eventId. */
  readonly eventId: string | undefined;
  readonly outcome: string;
  readonly messageId: string | null;
  readonly relay: string | null;
}

export interface FeatureHistory {
  /** Due events that were accepted or dead-lettered: each owes a receipt. */
  readonly settled: readonly string[];
  /** Acceptances per eventId, over every relay. */
  readonly acceptances: ReadonlyMap<string, number>;
  /** The receipts topic read back; undefined when receipts are off. */
  readonly receipts?: readonly ReceiptRecord[];
  /** With the cluster send rate on. */
  readonly rate?: RateHistory;
}

export interface RateHistory {
  readonly limitPerSecond: number;
  /** Every acceptance over every relay (chaos-phase ms). */
  readonly acceptedAtMs: readonly number[];
  /** Redis down or slow: pods fall back to their own shares; not judged (plus `graceMs` after). */
  readonly excluded: readonly TimeWindow[];
  /** Sends one fixed window may grant that are accepted in the next: workers × instances. */
  readonly inFlight: number;
  /** @default 2_000 */
  readonly graceMs?: number;
}

export interface RateVerdict {
  /** Per window length: the busiest window that counts, and what it may hold. */
  readonly windows: ReadonlyArray<{ readonly seconds: number; readonly busiest: number; readonly atMs: number; readonly allowed: number }>;
  /** Acceptances judged (outside the excluded windows). */
  readonly judged: number;
}

export interface FeatureVerdict {
  readonly receipts?: {
    readonly records: number;
    readonly settled: number;
    readonly missing: readonly string[];
    readonly sentNotAccepted: readonly string[];
    /** `skipped_duplicate` receipts (the ledger said an earlier send went out) for events no relay accepted. */
    readonly duplicateNotAccepted: readonly string[];
    /** `sent` or `skipped_duplicate` receipts whose Message-ID is not `<eventId@…>`: an answer meant for another event. */
    readonly foreignMessageId: ReadonlyArray<{ readonly eventId: string; readonly messageId: string }>;
  };
  readonly rate?: RateVerdict;
  /** Events the SMTP servers accepted more than twice. */
  readonly sentMoreThanTwice: ReadonlyArray<{ readonly eventId: string; readonly copies: number }>;
}

/** Windows judged by the rate check, in seconds. */
export const RATE_WINDOWS_S = [1, 5] as const;

/**
 * The checks of the features: every settled event has a receipt; no receipt says `sent`, or skipped as
 * already sent, for a mail no relay accepted, or names another event's Message-ID (a ledger answer
 * meant for another event settles an event unsent); no event went out more than twice; with the cluster rate, accepted mails stay within
 * the limit while Redis answers.
 *
 * The rate's stated tolerance: the limiter (rate-limiter-flexible on Redis) counts in fixed 1 s
 * windows that start with their first token, and mails are counted where the SMTP server accepts them,
 * not where the token was granted. A sliding window of W seconds overlaps at most W + 1 of the
 * limiter's windows, and a send granted in one may be accepted in the next: at most (W + 1) × limit +
 * the sends in flight. W = 1 catches a burst past the limit, W = 5 a sustained rate (1.2 × limit).
 */
export function checkFeatures(h: FeatureHistory): FeatureVerdict {
  const sentMoreThanTwice = [...h.acceptances].filter(([, n]) => n > 2).map(([eventId, copies]) => ({ eventId, copies }));
  sentMoreThanTwice.sort((a, b) => b.copies - a.copies || a.eventId.localeCompare(b.eventId));
  return {
    ...(h.receipts ? { receipts: checkReceipts(h.settled, h.acceptances, h.receipts) } : {}),
    ...(h.rate ? { rate: checkRate(h.rate) } : {}),
    sentMoreThanTwice,
  };
}

function checkReceipts(
  settled: readonly string[],
  acceptances: ReadonlyMap<string, number>,
  receipts: readonly ReceiptRecord[],
): NonNullable<FeatureVerdict['receipts']> {
  const withReceipt = new Set(receipts.flatMap((r) => (r.eventId === undefined ? [] : [r.eventId])));
  const missing = settled.filter((id) => !withReceipt.has(id));
  const notAccepted = (outcome: string): string[] => [
    ...new Set(
      receipts.filter((r) => r.outcome === outcome && (r.eventId === undefined || !acceptances.has(r.eventId))).map((r) => r.eventId ?? '(no eventId)'),
    ),
  ];
  // Message-IDs are `<eventId@domain>`; a duplicate's is the original send's, so the same eventId.
  const foreignMessageId = receipts.flatMap((r) =>
    (r.outcome === 'sent' || r.outcome === 'skipped_duplicate') && r.eventId !== undefined && r.messageId !== null && !r.messageId.startsWith(`<${r.eventId}@`)
      ? [{ eventId: r.eventId, messageId: r.messageId }]
      : [],
  );
  return {
    records: receipts.length,
    settled: settled.length,
    missing,
    sentNotAccepted: notAccepted('sent'),
    duplicateNotAccepted: notAccepted('skipped_duplicate'),
    foreignMessageId,
  };
}

export function checkRate(r: RateHistory): RateVerdict {
  const grace = r.graceMs ?? 2_000;
  const excluded = (from: number, to: number): boolean => r.excluded.some((w) => from <= w.endMs + grace && to >= w.startMs);
  const times = [...r.acceptedAtMs].sort((a, b) => a - b);
  const windows = RATE_WINDOWS_S.map((seconds) => {
    const span = seconds * 1_000;
    let busiest = 0;
    let atMs = 0;
    let end = 0;
    for (let start = 0; start < times.length; start++) {
      const from = times[start] as number;
      while (end < times.length && (times[end] as number) < from + span) end++;
      if (excluded(from, from + span)) continue;
      if (end - start > busiest) {
        busiest = end - start;
        atMs = from;
      }
    }
    return { seconds, busiest, atMs, allowed: (seconds + 1) * r.limitPerSecond + r.inFlight };
  });
  const judged = times.filter((t) => !excluded(t, t)).length;
  return { windows, judged };
}

/** The features' violations, one line each. */
export function featureViolations(v: FeatureVerdict): string[] {
  const out: string[] = [];
  const sample = (ids: readonly string[]): string => `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}`;
  if (v.receipts && v.receipts.missing.length > 0)
    out.push(`receipts missing for ${v.receipts.missing.length} of ${v.receipts.settled} settled events: ${sample(v.receipts.missing)}`);
  if (v.receipts && v.receipts.sentNotAccepted.length > 0)
    out.push(`receipts say sent for ${v.receipts.sentNotAccepted.length} events no relay accepted: ${sample(v.receipts.sentNotAccepted)}`);
  if (v.receipts && v.receipts.duplicateNotAccepted.length > 0) {
    out.push(
      `receipts say skipped as already sent for ${v.receipts.duplicateNotAccepted.length} events no relay accepted: ${sample(v.receipts.duplicateNotAccepted)}`,
    );
  }
  if (v.receipts && v.receipts.foreignMessageId.length > 0) {
    out.push(
      `receipts name another event's Message-ID for ${v.receipts.foreignMessageId.length} events: ${sample(v.receipts.foreignMessageId.map((r) => `${r.eventId} (${r.messageId})`))}`,
    );
  }
  if (v.sentMoreThanTwice.length > 0)
    out.push(`${v.sentMoreThanTwice.length} events sent more than twice: ${sample(v.sentMoreThanTwice.map((e) => `${e.eventId} ×${e.copies}`))}`);
  for (const w of v.rate?.windows ?? []) {
    if (w.busiest > w.allowed)
      out.push(
        `send rate: ${w.busiest} mails accepted in ${w.seconds} s from t+${(w.atMs / 1000).toFixed(1)}s, above the ${w.allowed} allowed while Redis answered`,
      );
  }
  return out;
}
