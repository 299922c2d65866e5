import type { IHeaders, Message } from 'kafkajs';

import type { ConsumedRecord, Outcome } from '../../pipeline/outcome.js';
import { scrubAddresses } from '../../platform/logger.js';
import { truncate } from '../../platform/truncate.js';

export type DeadLetter = Extract<Outcome, { kind: 'dead-letter' }>;

/** Header names of the DLQ contract (docs/contracts.md, "DLQ record"). */
export const DLQ_HEADERS = {
  reason: 'dlq.reason',
  error: 'dlq.error',
  smtpCode: 'dlq.smtp.code',
  attempts: 'dlq.attempts',
  topic: 'dlq.original.topic',
  partition: 'dlq.original.partition',
  offset: 'dlq.original.offset',
  timestamp: 'dlq.original.timestamp',
  failedAt: 'dlq.failed.at',
  group: 'dlq.consumer.group',
  /** The template set the event's type maps to; absent when none (an unmapped type, a value that is no event). */
  template: 'dlq.template',
  /** Set only when the DLQ topic refused the original value as too large. */
  valueDropped: 'dlq.value.dropped',
  valueSize: 'dlq.value.size',
  /** Set only while tracing is on: the event's trace id. */
  traceId: 'dlq.trace.id',
} as const;

/**
 * The DLQ record: key, value and headers exactly as consumed, plus provenance headers. The `DLQ_HEADERS`
 * from an earlier dead-lettering are replaced, so the record describes this failure; others (such as
 * the redrive tool's `dlq.redrive.count`, which its loop guard reads) are kept.
 */
export function buildDlqMessage(
  record: ConsumedRecord,
  outcome: DeadLetter,
  {
    groupId,
    failedAt,
    traceHeaders = {},
  }: {
    groupId: string;
    failedAt: Date;
    /** The DLQ publish span's traceparent/tracestate (they replace the original's). */ traceHeaders?: Readonly<Record<string, string>>;
  },
): Message {
  const original: IHeaders = {};
  for (const [name, value] of Object.entries(record.message.headers ?? {})) {
    if (value !== undefined && !Object.values(DLQ_HEADERS).includes(name as never)) original[name] = value;
  }
  const headers: IHeaders = {
    ...original,
    ...traceHeaders,
    [DLQ_HEADERS.reason]: outcome.reason,
    [DLQ_HEADERS.error]: truncate(scrubAddresses(outcome.error), 1024),
    [DLQ_HEADERS.attempts]: String(outcome.attempts),
    [DLQ_HEADERS.topic]: record.topic,
    [DLQ_HEADERS.partition]: String(record.partition),
    [DLQ_HEADERS.offset]: record.message.offset,
    [DLQ_HEADERS.timestamp]: record.message.timestamp,
    [DLQ_HEADERS.failedAt]: failedAt.toISOString(),
    [DLQ_HEADERS.group]: groupId,
  };
  if (outcome.smtpCode !== undefined) headers[DLQ_HEADERS.smtpCode] = String(outcome.smtpCode);
  if (record.template !== undefined) headers[DLQ_HEADERS.template] = record.template;
  if (record.trace) headers[DLQ_HEADERS.traceId] = record.trace.traceId;
  return { key: record.message.key, value: record.message.value, headers };
}
