/**
 * Every mail the SMTP sink accepted, by Message-ID: how often each came and when. A receipt of a
 * Message-ID seen before is a duplicate; duplicates are attributed to the window (scale event,
 * kill) they arrived in.
 */
export class Receipts {
  /** Latest arrival of each Message-ID. */
  private readonly lastAt = new Map<string, number>();
  private readonly repeated = new Set<string>();
  /** Arrival time of every receipt, ascending (the sink reports in order). */
  readonly times: number[] = [];
  /** Arrival time of every duplicate receipt (the 2nd, 3rd … copy of a Message-ID), ascending. */
  readonly duplicateTimes: number[] = [];
  /**
   * For each entry of `duplicateTimes`, when the copy before it arrived (not sorted): the copy whose
   * commit was lost. A third copy points at the second, so each copy is blamed on one event.
   */
  readonly duplicatePreviousTimes: number[] = [];

  /** Records one accepted mail; true when its Message-ID had been received before. */
  add(messageId: string, at: number): boolean {
    const previous = this.lastAt.get(messageId);
    this.times.push(at);
    this.lastAt.set(messageId, at);
    if (previous === undefined) return false;
    this.repeated.add(messageId);
    this.duplicateTimes.push(at);
    this.duplicatePreviousTimes.push(previous);
    return true;
  }

  /** Mails accepted, copies included. */
  get total(): number {
    return this.times.length;
  }

  /** Distinct Message-IDs accepted. */
  get unique(): number {
    return this.lastAt.size;
  }

  /** Receipts beyond the first of their Message-ID. */
  get duplicates(): number {
    return this.duplicateTimes.length;
  }

  /** Message-IDs accepted more than once. */
  duplicatedIds(): number {
    return this.repeated.size;
  }

  has(messageId: string): boolean {
    return this.lastAt.has(messageId);
  }
}

/** Index of the first element of ascending `sorted` that is >= `t`. */
export function lowerBound(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many of ascending `sorted` lie in [from, to). */
export function countBetween(sorted: readonly number[], from: number, to: number): number {
  return Math.max(0, lowerBound(sorted, to) - lowerBound(sorted, from));
}

export interface Attribution {
  /** Before the first boundary. */
  readonly before: number;
  /** One count per window [boundaries[i], boundaries[i + 1]). */
  readonly windows: readonly number[];
  /** At or after the last boundary. */
  readonly after: number;
}

/**
 * Splits ascending `times` over the windows between consecutive `boundaries` (ascending): with
 * boundaries [s1, s2, end], window 0 is [s1, s2) and window 1 is [s2, end). A duplicate belongs to
 * the last event that started before it arrived.
 */
export function attribute(times: readonly number[], boundaries: readonly number[]): Attribution {
  for (let i = 1; i < boundaries.length; i += 1) {
    if ((boundaries[i] as number) < (boundaries[i - 1] as number)) throw new RangeError(`boundaries must ascend, got ${boundaries.join(', ')}`);
  }
  if (boundaries.length === 0) return { before: times.length, windows: [], after: 0 };
  const first = boundaries[0] as number;
  const last = boundaries.at(-1) as number;
  const windows = boundaries.slice(1).map((end, i) => countBetween(times, boundaries[i] as number, end));
  return { before: lowerBound(times, first), windows, after: times.length - lowerBound(times, last) };
}

/**
 * The longest stretch of [from, to) without a receipt, in the same unit as the times: how long
 * the sink heard nothing at all (a stalled group) during a window.
 */
export function longestGap(sorted: readonly number[], from: number, to: number): number {
  if (to <= from) return 0;
  let previous = from;
  let longest = 0;
  for (let i = lowerBound(sorted, from); i < sorted.length && (sorted[i] as number) < to; i += 1) {
    const t = sorted[i] as number;
    longest = Math.max(longest, t - previous);
    previous = t;
  }
  return Math.max(longest, to - previous);
}
