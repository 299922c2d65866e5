import type { Message } from 'kafkajs';

import type { ConsumedRecord, Outcome } from '../../pipeline/outcome.js';
import { scrubAddresses } from '../../platform/logger.js';
import { truncate } from '../../platform/truncate.js';

/** What a receipt says happened; stable words for the systems that read them. */
export type ReceiptOutcome = 'sent' | 'dead_lettered' | 'skipped_duplicate' | 'skipped';

/** The receipt's JSON value (docs/contracts.md, "Delivery receipt"). No address: readers join on `eventId`. */
export interface Receipt {
  readonly version: 1;
  readonly eventId: string | null;
  readonly outcome: ReceiptOutcome;
  /** The email's Message-ID; null when nothing was composed (a dead letter). */
  readonly messageId: string | null;
  /** The SMTP server's reply: to the accepted message, or the refusal that dead-lettered it (addresses removed, at most 1 KiB). */
  readonly smtpReply: string | null;
  readonly smtpCode: number | null;
  readonly dlqReason: string | null;
  /** Why nothing was sent, for `skipped` (unmapped_event_type: no template set serves the event's type). */
  readonly skipReason: string | null;
  /** The template set the event's type maps to; null when none (an unmapped type, a value that is no event). */
  readonly template: string | null;
  /** Send attempts made by the instance that settled it (0 for an invalid event or a duplicate). */
  readonly attempts: number;
  /**
   * The relay that answered: took the mail (sent), refused it (dead letter; null when no relay
   * answered), took the original send (duplicate; null when the ledger does not remember it).
   */
  readonly relay: string | null;
  /** The event's own time, when it parsed. */
  readonly occurredAt: string | null;
  readonly settledAt: string;
  readonly source: { readonly topic: string; readonly partition: number; readonly offset: string };
  /** The event's W3C trace id while tracing is on (OTEL_*); null otherwise. */
  readonly traceId: string | null;
}

export const RECEIPT_CONTENT_TYPE = 'application/vnd.email-dispatcher.receipt.v1+json';

const replyText = (text: string | undefined) => (text === undefined ? null : truncate(scrubAddresses(text), 1024));

/** The receipt of a settled record: key = eventId (the original key when the event did not parse). */
export function buildReceipt(record: ConsumedRecord, outcome: Outcome, { settledAt, relay }: { settledAt: Date; relay: string | null }): Receipt {
  const base = {
    version: 1 as const,
    eventId: record.eventId ?? null,
    template: record.template ?? null,
    skipReason: null,
    relay,
    occurredAt: record.parsed.ok ? record.parsed.event.occurredAt : null,
    settledAt: settledAt.toISOString(),
    source: { topic: record.topic, partition: record.partition, offset: record.message.offset },
    traceId: record.trace?.traceId ?? null,
  };
  switch (outcome.kind) {
    case 'sent':
      return {
        ...base,
        outcome: 'sent',
        messageId: outcome.messageId,
        smtpReply: replyText(outcome.smtpReply),
        smtpCode: smtpCodeOf(outcome.smtpReply),
        dlqReason: null,
        attempts: outcome.attempts,
        relay: outcome.relay ?? relay,
      };
    case 'duplicate':
      return {
        ...base,
        outcome: 'skipped_duplicate',
        messageId: outcome.messageId,
        smtpReply: null,
        smtpCode: null,
        dlqReason: null,
        attempts: 0,
        relay: outcome.relay ?? null,
      };
    case 'skipped':
      return {
        ...base,
        outcome: 'skipped',
        messageId: null,
        smtpReply: null,
        smtpCode: null,
        dlqReason: null,
        skipReason: outcome.reason,
        attempts: 0,
        relay: null,
      };
    case 'dead-letter':
      return {
        ...base,
        outcome: 'dead_lettered',
        messageId: null,
        smtpReply: outcome.smtpCode === undefined ? null : replyText(outcome.error),
        smtpCode: outcome.smtpCode ?? null,
        dlqReason: outcome.reason,
        attempts: outcome.attempts,
        relay: outcome.smtpCode === undefined ? null : (outcome.relay ?? relay),
      };
    default: {
      const never: never = outcome;
      throw new Error(`unknown outcome ${JSON.stringify(never)}`);
    }
  }
}

/** `traceHeaders`: the receipt publish span's traceparent/tracestate, while tracing is on. */
export function receiptMessage(record: ConsumedRecord, receipt: Receipt, traceHeaders: Readonly<Record<string, string>> = {}): Message {
  return {
    key: receipt.eventId ?? record.message.key,
    value: JSON.stringify(receipt),
    headers: { ...traceHeaders, 'content-type': RECEIPT_CONTENT_TYPE, 'receipt.outcome': receipt.outcome },
  };
}

/** The status code at the start of an SMTP reply (`250 2.0.0 Ok` → 250). */
function smtpCodeOf(reply: string | undefined): number | null {
  const code = reply === undefined ? Number.NaN : Number(reply.slice(0, 3));
  return Number.isInteger(code) && code >= 200 && code < 600 ? code : null;
}
