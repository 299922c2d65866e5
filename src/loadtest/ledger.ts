import { percentile } from './percentile.js';

export interface Reconciliation {
  readonly produced: number;
  readonly delivered: number;
  readonly deadLettered: number;
  /** Produced, but neither delivered nor dead-lettered. */
  readonly lost: number;
  /** Deliveries beyond the first of an eventId. */
  readonly duplicates: number;
  /** Delivered or dead-lettered without having been produced by this run (another run's leftovers). */
  readonly unknown: number;
  readonly latencyMs: { readonly p50: number | undefined; readonly p95: number | undefined; readonly p99: number | undefined };
}

/**
 * The load test's books: every produced eventId must end up delivered (the sink saw its
 * Message-ID) or dead-lettered (its record is on the DLQ). Latency is produce → first delivery.
 */
export class Ledger {
  readonly #producedAt = new Map<string, number>();
  readonly #deliveredAt = new Map<string, number>();
  readonly #deadLettered = new Set<string>();
  #duplicates = 0;
  #unknown = 0;

  produced(eventId: string, at: number): void {
    this.#producedAt.set(eventId, at);
  }

  delivered(eventId: string, at: number): void {
    if (!this.#producedAt.has(eventId)) {
      this.#unknown += 1;
      return;
    }
    if (this.#deliveredAt.has(eventId)) this.#duplicates += 1;
    else this.#deliveredAt.set(eventId, at);
  }

  deadLettered(eventId: string): void {
    if (!this.#producedAt.has(eventId)) this.#unknown += 1;
    else this.#deadLettered.add(eventId);
  }

  /** Settled = delivered or dead-lettered; the load test waits for this to reach `producedCount`. */
  get settled(): number {
    let n = this.#deliveredAt.size;
    for (const id of this.#deadLettered) if (!this.#deliveredAt.has(id)) n += 1;
    return n;
  }

  get producedCount(): number {
    return this.#producedAt.size;
  }

  reconcile(): Reconciliation {
    let lost = 0;
    const latencies: number[] = [];
    for (const [id, producedAt] of this.#producedAt) {
      const deliveredAt = this.#deliveredAt.get(id);
      if (deliveredAt !== undefined) latencies.push(deliveredAt - producedAt);
      else if (!this.#deadLettered.has(id)) lost += 1;
    }
    latencies.sort((a, b) => a - b);
    return {
      produced: this.#producedAt.size,
      delivered: this.#deliveredAt.size,
      deadLettered: [...this.#deadLettered].filter((id) => !this.#deliveredAt.has(id)).length,
      lost,
      duplicates: this.#duplicates,
      unknown: this.#unknown,
      latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
    };
  }
}
