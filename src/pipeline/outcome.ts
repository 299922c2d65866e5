import type { KafkaMessage } from 'kafkajs';

import type { EventTrace } from '../platform/tracing/event-trace.js';
import type { ParseResult } from './parse-result.js';
import type { Ticket } from './topic-partition.js';

/** Why a record was dead-lettered: stable codes, fit for a metric label and the `dlq.reason` header. */
export const DLQ_REASONS = ['invalid_event', 'smtp_permanent', 'smtputf8_unsupported', 'retries_exhausted'] as const;
export type DlqReason = (typeof DLQ_REASONS)[number];

/** Why a record was settled without an email: stable codes, fit for a receipt. */
export const SKIP_REASONS = ['unmapped_event_type'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** How a message left the pipeline. Every kind but 'abandoned' settles its offset. */
export type Outcome =
  | {
      readonly kind: 'sent';
      readonly attempts: number;
      readonly messageId: string;
      /** The SMTP server's reply to the message (`250 2.0.0 Ok: queued as …`), when it gave one. */
      readonly smtpReply: string | undefined;
      /** The relay that took it ('primary' or 'fallback'); undefined without a fallback relay. */
      readonly relay: string | undefined;
    }
  /**
   * The sent ledger says it went out already (a redelivery after a crash or rebalance): the original
   * send's Message-ID and relay, as far as the ledger remembers them.
   */
  | { readonly kind: 'duplicate'; readonly messageId: string; readonly relay?: string | undefined }
  /** Nothing to send: no template set serves the event's type and EMAIL_UNMAPPED_EVENT_TYPES=skip. */
  | { readonly kind: 'skipped'; readonly reason: SkipReason; readonly eventType: string }
  | {
      readonly kind: 'dead-letter';
      readonly reason: DlqReason;
      readonly error: string;
      readonly smtpCode: number | undefined;
      readonly attempts: number;
      /** The relay whose refusal dead-lettered it, with a fallback relay ('primary' or 'fallback'). */
      readonly relay?: string | undefined;
    };

/** A consumed Kafka record as it travels through the pipeline. */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
  readonly ticket: Ticket;
  /** The event's trace (OTEL_*), from admission to settle; undefined while tracing is off. */
  readonly trace?: EventTrace | undefined;
  /** What intake made of the value: the event, or why it can never be one. */
  readonly parsed: ParseResult;
  /** The event's id when it parsed, or could be read from an event of an unmapped type (for logs and the ledger); undefined otherwise. */
  readonly eventId: string | undefined;
  /** The template set the event's type maps to (for metrics, the receipt and the DLQ record); undefined when none. */
  readonly template?: string | undefined;
}
