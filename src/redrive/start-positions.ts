import type { Admin } from 'kafkajs';

import { REDRIVE_ERROR_CODES, RedriveError } from '../platform/service-error.js';
import { sleep } from '../platform/sleep.js';

export interface PartitionState {
  readonly partition: number;
  /** High watermark when the run started: the run stops there. */
  readonly end: bigint;
  /** Next offset to examine. */
  next: bigint;
  /** Next offset as committed for the group. */
  committed: bigint;
  done: boolean;
}

/**
 * Where each DLQ partition starts (the group's committed offset, or the oldest record still there)
 * and ends (its high watermark now). Refuses a group whose commits carry another selection's
 * metadata, or none: it was used for something else and its position would skip records.
 */
export async function startPositions({
  admin,
  dlqTopic,
  group,
  metadata,
  signal,
}: {
  admin: Admin;
  dlqTopic: string;
  group: string;
  metadata: string;
  signal: AbortSignal;
}): Promise<Map<number, PartitionState>> {
  if (!(await admin.listTopics()).includes(dlqTopic)) throw new RedriveError(REDRIVE_ERROR_CODES.noTopic, `DLQ topic ${dlqTopic} does not exist`);
  const ends = await retryRetriable(() => admin.fetchTopicOffsets(dlqTopic), signal);
  const [committed] = await retryRetriable(() => admin.fetchOffsets({ groupId: group, topics: [dlqTopic] }), signal);
  const positions = new Map<number, bigint>();
  for (const p of committed?.partitions ?? []) {
    if (Number(p.offset) < 0) continue;
    if ((p.metadata ?? '') !== metadata) {
      throw new RedriveError(
        REDRIVE_ERROR_CODES.groupMismatch,
        `consumer group ${group} has offsets on ${dlqTopic} that were not committed for this selection (metadata ${JSON.stringify(p.metadata ?? '')}, expected ${JSON.stringify(metadata)}); use the filters it was used with, or another --group`,
      );
    }
    positions.set(p.partition, BigInt(p.offset));
  }
  const parts = new Map<number, PartitionState>();
  for (const { partition, low, high } of ends) {
    const end = BigInt(high);
    // Records under the low watermark were deleted by retention: start at the oldest still there.
    const bottom = BigInt(low);
    const at = positions.get(partition);
    const next = at === undefined || at < bottom ? bottom : at;
    parts.set(partition, { partition, end, next, committed: at ?? -1n, done: next >= end });
  }
  return parts;
}

/**
 * KafkaJS's admin does not retry `fetchOffsets` when the group coordinator moved or is still loading
 * (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS: a broker restart, a fresh cluster). Its errors say
 * whether a retry can help; about 15 s in all.
 */
async function retryRetriable<T>(fn: () => Promise<T>, signal: AbortSignal, delaysMs: readonly number[] = [100, 250, 500, 1000, 2000, 4000, 8000]): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fn();
    } catch (err) {
      const delay = delaysMs[attempt];
      if ((err as { retriable?: unknown }).retriable !== true || delay === undefined) throw err;
      await sleep(delay, signal);
    }
  }
}
