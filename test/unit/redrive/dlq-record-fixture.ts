import type { KafkaMessage } from 'kafkajs';

import { toConsumedRecord } from '../../../src/intake/to-consumed-record.js';
import type { ConsumedRecord, DlqReason } from '../../../src/pipeline/outcome.js';
import { buildDlqMessage } from '../../../src/settle/publish/dlq-message.js';

export interface DlqFixture {
  eventId?: string;
  reason?: DlqReason;
  failedAt?: string;
  partition?: number;
  offset?: number;
  headers?: Record<string, string>;
  value?: Buffer | null;
}

/** A DLQ record as the broker returns it: built by the service's own `buildDlqMessage`, headers as Buffers. */
export function dlqMessage(
  { eventId = 'e-1', reason = 'retries_exhausted', failedAt = '2025-01-01T12:00:00.000Z', partition = 1, offset = 7, headers = {}, value }: DlqFixture = {},
  dlqOffset = '0',
): KafkaMessage {
  const original = {
    key: Buffer.from(`user-${eventId}`),
    value: value === undefined ? Buffer.from(JSON.stringify({ eventId, type: 'user.signed_up', user: { email: 'someone@example.test' } })) : value,
    headers: Object.fromEntries(Object.entries({ trace: 't-1', ...headers }).map(([k, v]) => [k, Buffer.from(v)])),
    timestamp: '1700000000000',
    attributes: 0,
    offset: String(offset),
  } as unknown as KafkaMessage;
  const consumed: ConsumedRecord = toConsumedRecord(original, { topic: 'signups', partition, offset: BigInt(offset), epoch: 1 });
  const built = buildDlqMessage(
    consumed,
    { kind: 'dead-letter', reason, error: 'failed', smtpCode: 451, attempts: 4 },
    { groupId: 'email-dispatcher', failedAt: new Date(failedAt) },
  );
  const asBuffers = Object.fromEntries(Object.entries(built.headers ?? {}).map(([k, v]) => [k, Buffer.from(String(v))]));
  return { key: built.key, value: built.value, headers: asBuffers, timestamp: '1700000001000', attributes: 0, offset: dlqOffset } as unknown as KafkaMessage;
}
