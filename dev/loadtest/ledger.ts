import { type Percentiles, summarize } from './percentile.js';

/** The books of one load-test run, reconciled. */
export interface Reconciliation {
  readonly produced: number;
  /** Distinct produced eventIds the SMTP sink accepted (first delivery only). */
  readonly delivered: number;
  /** Distinct produced eventIds on the DLQ and never delivered. */
  readonly deadLettered: number;
  /** DLQ records by `dlq.reason` header (every record of a produced eventId, once per eventId). */
  readonly deadLetteredByReason: Readonly<Record<string, number>>;
  /** Delivered and also on the DLQ: a contradiction worth a look (counted in `delivered` only). */
  readonly deliveredAndDeadLettered: number;
  /** Produced, but neither delivered nor dead-lettered. */
  readonly lost: number;
  /** Deliveries beyond the first of an eventId. */
  readonly duplicates: number;
  /** Deliveries or DLQ records of eventIds this run did not produce (another run's leftovers). */
  readonly unknown: number;
  /** Produce (handed to the producer) → accepted by the sink, first delivery of each eventId. */
  readonly latencyMs: Percentiles;
}

/**
 * Every produced eventId must end up delivered (the sink saw its Message-ID) or dead-lettered (its
 * record is on the DLQ). An eventId is entered *before* it is handed to the producer, so a delivery
 * that races the producer's acknowledgement is never mistaken for a stranger.
 */
export class Ledger {
  readonly #producedAt = new Map<string, number>();
  readonly #deliveredAt = new Map<string, number>();
  readonly #deadLettered = new Map<string, string>();
  /** Settle times (first delivery or DLQ record) in arrival order, for throughput over time. */
  readonly #settledAt: number[] = [];
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
    if (this.#deliveredAt.has(eventId)) {
      this.#duplicates += 1;
      return;
    }
    this.#deliveredAt.set(eventId, at);
    if (!this.#deadLettered.has(eventId)) this.#settledAt.push(at);
  }

  deadLettered(eventId: string, reason: string, at: number): void {
    if (!this.#producedAt.has(eventId)) {
      this.#unknown += 1;
      return;
    }
    if (this.#deadLettered.has(eventId)) return;
    this.#deadLettered.set(eventId, reason);
    if (!this.#deliveredAt.has(eventId)) this.#settledAt.push(at);
  }

  /** Delivered or dead-lettered; the run is done when this reaches `producedCount`. */
  get settled(): number {
    return this.#settledAt.length;
  }

  get producedCount(): number {
    return this.#producedAt.size;
  }

  /** When each eventId settled, in arrival order (milliseconds since the epoch). */
  settleTimes(): readonly number[] {
    return this.#settledAt;
  }

  reconcile(): Reconciliation {
    let lost = 0;
    let both = 0;
    const latencies: number[] = [];
    const byReason: Record<string, number> = {};
    for (const [id, producedAt] of this.#producedAt) {
      const deliveredAt = this.#deliveredAt.get(id);
      const reason = this.#deadLettered.get(id);
      if (deliveredAt !== undefined) latencies.push(deliveredAt - producedAt);
      if (reason !== undefined) byReason[reason] = (byReason[reason] ?? 0) + 1;
      if (deliveredAt !== undefined && reason !== undefined) both += 1;
      if (deliveredAt === undefined && reason === undefined) lost += 1;
    }
    return {
      produced: this.#producedAt.size,
      delivered: this.#deliveredAt.size,
      deadLettered: this.#deadLettered.size - both,
      deadLetteredByReason: byReason,
      deliveredAndDeadLettered: both,
      lost,
      duplicates: this.#duplicates,
      unknown: this.#unknown,
      latencyMs: summarize(latencies),
    };
  }
}

/**
 * Against an external SMTP server the load test cannot see deliveries. It knows what was produced
 * and what reached the DLQ, and (once the service's committed lag is 0) that the service settled
 * everything; `expectDelivered` — the count the server reports, if the operator has it — is the
 * only evidence of delivery. Without it nothing can be called lost: the figure is an inference.
 */
export function reconcileExternal({
  produced,
  deadLettered,
  deadLetteredByReason,
  expectDelivered,
}: {
  produced: number;
  deadLettered: number;
  deadLetteredByReason: Readonly<Record<string, number>>;
  expectDelivered: number | undefined;
}): Reconciliation & { readonly deliveredInferred: boolean } {
  const implied = Math.max(0, produced - deadLettered);
  const delivered = expectDelivered ?? implied;
  return {
    produced,
    delivered,
    deliveredInferred: expectDelivered === undefined,
    deadLettered,
    deadLetteredByReason,
    deliveredAndDeadLettered: 0,
    lost: Math.max(0, implied - delivered),
    duplicates: Math.max(0, delivered - implied),
    unknown: 0,
    latencyMs: summarize([]),
  };
}
