import type { IHeaders, KafkaMessage } from 'kafkajs';

import { DLQ_HEADERS } from '../settle/publish/dlq-message.js';

/**
 * Counts how often a record was redriven. It is not one of `DLQ_HEADERS` on purpose: the service
 * keeps non-DLQ headers when it dead-letters a record again, so the count survives the round trip.
 */
export const REDRIVE_COUNT_HEADER = 'dlq.redrive.count';

/** A DLQ record with its provenance headers decoded. Nothing here is an email address. */
export interface DlqRecord {
  /** Where the record sits on the DLQ topic. */
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
  readonly reason: string | undefined;
  readonly originalTopic: string | undefined;
  readonly originalPartition: number | undefined;
  readonly originalOffset: bigint | undefined;
  readonly failedAt: Date | undefined;
  readonly attempts: number | undefined;
  /** `dlq.smtp.code`: the SMTP reply code that refused it (absent when no server answered). */
  readonly smtpCode: number | undefined;
  /** `dlq.error`: the error, addresses removed by the service. */
  readonly error: string | undefined;
  /** 0 without the header; NaN when the header is not a count. */
  readonly redriveCount: number;
  /** From the JSON value when it has a well-formed one (the DLQ also holds unparseable events). */
  readonly eventId: string | undefined;
}

const EVENT_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function readDlqRecord(partition: number, message: KafkaMessage): DlqRecord {
  const headers = message.headers ?? {};
  const text = (name: string) => headerText(headers[name]);
  const count = text(REDRIVE_COUNT_HEADER);
  const failedAt = text(DLQ_HEADERS.failedAt);
  const failedAtMs = failedAt === undefined ? Number.NaN : Date.parse(failedAt);
  return {
    partition,
    offset: message.offset,
    key: message.key ?? null,
    value: message.value ?? null,
    headers,
    reason: text(DLQ_HEADERS.reason),
    originalTopic: text(DLQ_HEADERS.topic) || undefined,
    originalPartition: decimal(text(DLQ_HEADERS.partition)),
    originalOffset: /^\d+$/.test(text(DLQ_HEADERS.offset) ?? '') ? BigInt(text(DLQ_HEADERS.offset) as string) : undefined,
    failedAt: Number.isFinite(failedAtMs) ? new Date(failedAtMs) : undefined,
    attempts: decimal(text(DLQ_HEADERS.attempts)),
    smtpCode: decimal(text(DLQ_HEADERS.smtpCode)),
    error: text(DLQ_HEADERS.error),
    redriveCount: count === undefined ? 0 : (decimal(count) ?? Number.NaN),
    eventId: eventIdOf(message.value),
  };
}

function headerText(value: IHeaders[string]): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

function decimal(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}

function eventIdOf(value: Buffer | null | undefined): string | undefined {
  if (!value || value.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'));
    const eventId = (parsed as { eventId?: unknown } | null)?.eventId;
    return typeof eventId === 'string' && EVENT_ID.test(eventId) ? eventId : undefined;
  } catch {
    return undefined;
  }
}
