import { z } from 'zod';

import { type Receipt, RECEIPT_CONTENT_TYPE } from '../../src/settle/publish/receipt-message.js';

/**
 * The receipt's JSON value as a zod schema, for its JSON Schema file. Kept honest by the type checks
 * below: a field added to or changed in `Receipt` (src/settle/publish/receipt-message.ts) fails `npm run typecheck`.
 */
export const receiptSchema = z
  .object({
    version: z.literal(1),
    eventId: z.string().nullable().describe('The event id; null when the event did not parse'),
    outcome: z.enum(['sent', 'dead_lettered', 'skipped_duplicate', 'skipped']).describe('skipped: no email, see skipReason'),
    messageId: z.string().nullable().describe("The email's Message-ID; null when nothing was composed (a dead letter)"),
    smtpReply: z.string().nullable().describe('The SMTP reply to the accepted message or the refusal that dead-lettered it (addresses removed, at most 1 KiB)'),
    smtpCode: z.number().int().nullable(),
    dlqReason: z.string().nullable().describe('dlq.reason of the DLQ record, for a dead letter'),
    skipReason: z
      .string()
      .nullable()
      .describe("Why nothing was sent, for skipped: unmapped_event_type (no template set serves the event's type, EMAIL_UNMAPPED_EVENT_TYPES=skip)"),
    template: z.string().nullable().describe("The template set the event's type maps to (welcome, verify-email…); null when none"),
    attempts: z.number().int().min(0).describe('Send attempts made by the instance that settled it (0 for an invalid event or a duplicate)'),
    relay: z.string().nullable().describe('primary or fallback: the relay that took it, refused it, or took the original send'),
    occurredAt: z.string().nullable().describe("The event's own time, when it parsed"),
    settledAt: z.iso.datetime(),
    source: z.object({ topic: z.string(), partition: z.number().int().min(0), offset: z.string() }).strict(),
    traceId: z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .nullable()
      .describe("The event's W3C trace id while the service traces (OTEL_*): the upstream producer's when its record carried a traceparent; null otherwise"),
  })
  .strict()
  .meta({
    title: 'Delivery receipt',
    description: `Value of a KAFKA_RECEIPTS_TOPIC record (content-type ${RECEIPT_CONTENT_TYPE}); key = eventId. No address: readers join on eventId.`,
  });

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? (T[K] extends null ? T[K] : Mutable<T[K]>) : T[K] };
const receiptMatchesCode: Same<z.infer<typeof receiptSchema>, Mutable<Receipt>> = true;
void receiptMatchesCode;
