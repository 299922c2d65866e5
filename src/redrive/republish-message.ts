import type { IHeaders, Message } from 'kafkajs';

import { type DlqRecord, REDRIVE_COUNT_HEADER } from './dlq-record.js';

export interface Republish {
  readonly topic: string;
  readonly message: Message;
}

/**
 * The record as it was first consumed: original key, value and headers, every `dlq.*` header
 * removed, and `dlq.redrive.count` one higher. It goes back to its original partition when that
 * is known, so per-key order is as it was.
 */
export function republishMessage(record: DlqRecord): Republish {
  if (record.originalTopic === undefined) throw new Error('a DLQ record without dlq.original.topic cannot be republished');
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(record.headers)) {
    if (value !== undefined && !name.startsWith('dlq.')) headers[name] = value;
  }
  headers[REDRIVE_COUNT_HEADER] = String(record.redriveCount + 1);
  return {
    topic: record.originalTopic,
    message: {
      key: record.key,
      value: record.value,
      headers,
      ...(record.originalPartition === undefined ? {} : { partition: record.originalPartition }),
    },
  };
}
