/**
 * One partition's tracking within one assignment (or since the fetch position last moved backwards):
 * what was admitted, what settled, what was committed, and where the log ends. The commit rule over
 * it lives in OffsetTracker.
 */
export class PartitionState {
  /** Admitted offsets in admission (= offset) order; [head, end) is live. */
  readonly admitted: bigint[] = [];
  readonly admittedAt: number[] = [];
  head = 0;
  /** Settled offsets not yet below the watermark (settled out of order). */
  readonly settledAhead = new Set<bigint>();
  /** Offsets that left the window since the last commit, for the settled-uncommitted gauge. */
  passed: bigint[] = [];
  next: bigint | undefined;
  committed: bigint | undefined;
  /** The last stable offset the broker reported: the end a read_committed consumer can fetch up to. */
  stableEnd: bigint | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly epoch: number,
  ) {}

  watermark(): bigint | undefined {
    return this.head < this.admitted.length ? this.admitted[this.head] : this.next;
  }

  advance(): void {
    while (this.head < this.admitted.length) {
      const offset = this.admitted[this.head] as bigint;
      if (!this.settledAhead.delete(offset)) break;
      this.passed.push(offset);
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.admitted.length) {
      this.admitted.splice(0, this.head);
      this.admittedAt.splice(0, this.head);
      this.head = 0;
    }
  }

  /**
   * The last stable offset minus the committed offset (or, before the first commit, the oldest
   * unsettled one). What was fetched lay below the stable end when it was fetched, and the stable
   * end read may be older than the last fetch: the end is the larger of the two.
   */
  lag(): bigint | undefined {
    const base = this.committed ?? this.watermark();
    const end = this.stableEnd !== undefined && (this.next === undefined || this.stableEnd > this.next) ? this.stableEnd : this.next;
    if (end === undefined || base === undefined) return undefined;
    return end > base ? end - base : 0n;
  }
}
