import type { Admin, Kafka } from 'kafkajs';

import { dlqEventId } from '../../dev/loadtest/dlq-watch.js';
import { DLQ_HEADERS } from '../../src/settle/publish/dlq-message.js';
import type { ReceiptRecord } from './check-features.js';
import type { DlqEntry, LogRecord, PartitionOffsets } from './history.js';
import { readTopic, type TopicRecord } from './read-topic.js';

/** The source topic as the group sees it (read_committed): where every due record sits. */
export async function readLog(kafka: Kafka, topic: string): Promise<LogRecord[]> {
  const records = await readTopic(kafka, topic);
  return records.map((r) => ({ eventId: dlqEventId(r.value), partition: r.partition, offset: r.offset }));
}

/** Every DLQ record of the source topic: eventId from the value, reason and provenance from the headers. */
export async function readDeadLetters(kafka: Kafka, dlqTopic: string, sourceTopic: string): Promise<{ entries: DlqEntry[]; foreign: number }> {
  const records = await readTopic(kafka, dlqTopic);
  const ours = records.filter((r) => r.headers[DLQ_HEADERS.topic] === sourceTopic);
  return { entries: ours.map(toDlqEntry), foreign: records.length - ours.length };
}

export function toDlqEntry(r: TopicRecord): DlqEntry {
  const partition = r.headers[DLQ_HEADERS.partition];
  const offset = r.headers[DLQ_HEADERS.offset];
  return {
    eventId: dlqEventId(r.value),
    reason: r.headers[DLQ_HEADERS.reason] ?? 'unknown',
    partition: partition !== undefined && /^\d+$/.test(partition) ? Number(partition) : undefined,
    offset: offset !== undefined && /^\d+$/.test(offset) ? BigInt(offset) : undefined,
  };
}

/** The group's committed offsets next to the topic's end offsets, per partition. */
export async function readOffsets(admin: Admin, groupId: string, topic: string): Promise<PartitionOffsets[]> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const byPartition = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  const ends = await admin.fetchTopicOffsets(topic);
  return ends
    .map((end) => {
      const mark = byPartition.get(end.partition);
      return { partition: end.partition, committed: mark !== undefined && mark >= 0n ? mark : undefined, end: BigInt(end.high) };
    })
    .sort((a, b) => a.partition - b.partition);
}

/** The receipts topic, each receipt's event found by its source position in the log (or its own eventId). */
export async function readReceipts(kafka: Kafka, topic: string, log: readonly LogRecord[]): Promise<ReceiptRecord[]> {
  const byPosition = new Map(log.map((r) => [`${r.partition}:${r.offset}`, r.eventId]));
  const records = await readTopic(kafka, topic);
  return records.map((r) => {
    const value = JSON.parse(r.value?.toString('utf8') ?? '{}') as {
      eventId?: string | null;
      outcome?: string;
      messageId?: string | null;
      relay?: string | null;
      source?: { partition?: number; offset?: string };
    };
    const fromLog = value.source ? byPosition.get(`${value.source.partition}:${value.source.offset}`) : undefined;
    return {
      eventId: fromLog ?? value.eventId ?? undefined,
      outcome: value.outcome ?? 'unknown',
      messageId: value.messageId ?? null,
      relay: value.relay ?? null,
    };
  });
}
