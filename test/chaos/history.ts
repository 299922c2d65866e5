/**
 * What a chaos run observed, as plain data for the history checker (check-history.ts). Offsets are
 * bigint: Kafka offsets are int64.
 */

/**
 * - `acked`: a plain produce the broker acknowledged.
 * - `committed` / `aborted`: a transactional produce whose commit / abort returned.
 * - `uncertain`: the produce, commit or abort failed (broker down, say): whether the record is in the
 *   log, and so whether it is due, is decided by reading the topic back.
 */
export type ProducedStatus = 'acked' | 'committed' | 'aborted' | 'uncertain';

export interface ProducedEvent {
  readonly eventId: string;
  readonly status: ProducedStatus;
  /** Deliberately invalid: its due outcome is a DLQ record with reason `invalid_event`. */
  readonly invalid: boolean;
  /** From the produce acknowledgement, when there was one. */
  readonly partition?: number;
  readonly offset?: bigint;
}

/** A record of the source topic read back with read_committed isolation after the producer stopped. */
export interface LogRecord {
  readonly eventId: string | undefined;
  readonly partition: number;
  readonly offset: bigint;
}

/** A record of the DLQ topic: the eventId from its value, reason and provenance from its headers. */
export interface DlqEntry {
  readonly eventId: string | undefined;
  /** `dlq.reason` */
  readonly reason: string;
  /** `dlq.original.partition` / `dlq.original.offset` */
  readonly partition: number | undefined;
  readonly offset: bigint | undefined;
}

export interface PartitionOffsets {
  readonly partition: number;
  /** The group's committed offset (admin.fetchOffsets); undefined when it never committed there. */
  readonly committed: bigint | undefined;
  /** The end offset (admin.fetchTopicOffsets `high`). */
  readonly end: bigint;
}

export interface ChaosHistory {
  readonly produced: readonly ProducedEvent[];
  readonly log: readonly LogRecord[];
  /** The Message-ID of every mail the SMTP server accepted, once per acceptance. */
  readonly acceptedMessageIds: readonly (string | undefined)[];
  /** The domain of EMAIL_FROM: Message-IDs are `<eventId@domain>`. */
  readonly messageIdDomain: string;
  readonly dlq: readonly DlqEntry[];
  readonly partitions: readonly PartitionOffsets[];
  /** DLQ reasons a valid event may legitimately get in this run (no 5xx injected → no smtp_permanent …). */
  readonly dlqReasonsAllowed: { readonly smtpPermanent: boolean; readonly retriesExhausted: boolean };
}

export interface LostEvent {
  readonly eventId: string;
  readonly partition: number | undefined;
  readonly offset: bigint | undefined;
  /** The group committed past it: nothing will ever deliver it (the worse kind of loss). */
  readonly committedPast: boolean;
}

export interface DuplicateFigures {
  /** Events the SMTP server accepted more than once. */
  readonly events: number;
  /** Acceptances beyond the first, summed over events. */
  readonly extraCopies: number;
  /** Events dead-lettered more than once, and the DLQ records beyond the first. */
  readonly deadLetteredTwice: number;
  readonly dlqExtraCopies: number;
  /** Events both accepted and dead-lettered. */
  readonly deliveredAndDeadLettered: number;
  /** extraCopies + dlqExtraCopies + deliveredAndDeadLettered: what the duplicate bound is compared with. */
  readonly totalExtra: number;
  /** The most duplicated events, most copies first (at most 10). */
  readonly worst: ReadonlyArray<{ readonly eventId: string; readonly copies: number }>;
}

export interface UnexpectedDeadLetter {
  readonly eventId: string | undefined;
  readonly reason: string;
  readonly partition: number | undefined;
  readonly offset: bigint | undefined;
}

export interface AbortedDelivery {
  readonly eventId: string;
  readonly how: 'accepted' | 'dead-lettered';
}

export interface StuckPartition {
  readonly partition: number;
  readonly committed: bigint | undefined;
  readonly end: bigint;
  /** Due records at or past the committed offset; 0 means only transaction markers or aborted records are behind. */
  readonly pending: number;
}

export interface HistoryCounts {
  /** Events the producer tried to write. */
  readonly produced: number;
  /** Events in the log and due an outcome (delivered, or dead-lettered when invalid). */
  readonly due: number;
  readonly dueInvalid: number;
  /** Records of aborted transactions (never due). */
  readonly aborted: number;
  /** Uncertain produces found in the log / not found there. */
  readonly uncertainWritten: number;
  readonly uncertainAbsent: number;
  /** Acknowledged at a position the log holds another record at: the producer's loss, not the service's. */
  readonly notWritten: number;
  readonly acceptances: number;
  /** Distinct due events accepted at least once. */
  readonly delivered: number;
  readonly dlqRecords: number;
  /** Distinct due events dead-lettered at least once. */
  readonly deadLettered: number;
}

export interface HistoryVerdict {
  readonly counts: HistoryCounts;
  /** Due events neither accepted nor dead-lettered. */
  readonly lost: readonly LostEvent[];
  readonly duplicates: DuplicateFigures;
  readonly unexpectedDlq: readonly UnexpectedDeadLetter[];
  readonly deliveredAborted: readonly AbortedDelivery[];
  /** Partitions whose committed offset is below the end offset. */
  readonly stuck: readonly StuckPartition[];
  /** Σ (end − committed) over partitions. */
  readonly finalLag: bigint;
  /** Observations that break no rule of the service but say the history itself is odd. */
  readonly anomalies: readonly string[];
}
