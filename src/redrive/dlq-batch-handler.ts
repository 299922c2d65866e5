import type { Consumer, EachBatchPayload, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';

import { readDlqRecord } from './dlq-record.js';
import { publishCopy } from './publish-copy.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RedriveProgress, RedriveRow, RedriveSummary, ResolvedRedriveOptions } from './redrive-types.js';
import { selectRecord } from './select-record.js';
import type { PartitionState } from './start-positions.js';
import { tallyVerdict } from './tally-verdict.js';

/** How a run ends when nothing failed. */
export type RedriveStop = Exclude<RedriveSummary['stoppedBy'], 'error'>;

export interface DlqBatchHandlerOptions {
  readonly options: Pick<ResolvedRedriveOptions, 'dlqTopic' | 'dryRun' | 'selection' | 'maxRedrives' | 'limit'>;
  /** A republished record not acknowledged within this long ends the run. */
  readonly publishTimeoutMs: number;
  /** Carried by every commit: the selection the group's position belongs to. */
  readonly metadata: string;
  /** Each DLQ partition's position and end. */
  readonly parts: ReadonlyMap<number, PartitionState>;
  readonly consumer: Pick<Consumer, 'commitOffsets' | 'pause'>;
  /** Undefined in a dry run: nothing is republished. */
  readonly producer: Producer | undefined;
  readonly rateLimit: RateLimiter;
  /** Counted into as records are examined. */
  readonly summary: RedriveSummary;
  /** Aborted once the run ends: the batch in hand stops. */
  readonly running: AbortSignal;
  /** The caller's: aborted, a failing batch ends the run as interrupted. */
  readonly signal: AbortSignal | undefined;
  readonly finish: (stop: RedriveStop) => void;
  readonly fail: (err: unknown) => void;
  readonly progress: RedriveProgress;
  readonly onRow: (row: RedriveRow) => void;
  readonly logger: Logger;
}

/**
 * KafkaJS `eachBatch` for a redrive: examines each record from the partition's start up to its end,
 * republishes the selected ones (a real run), and commits past each record once it is handled — a
 * redriven record only after the broker acknowledged the copy. Ends the run at the end of every
 * partition or at `limit`.
 */
export function createDlqBatchHandler(o: DlqBatchHandlerOptions): (payload: EachBatchPayload) => Promise<void> {
  const { options, parts, consumer, summary, finish, logger } = o;
  const { dlqTopic, dryRun, selection, maxRedrives, limit } = options;

  async function commit(part: PartitionState): Promise<void> {
    if (dryRun || part.next <= part.committed) return;
    await consumer.commitOffsets([{ topic: dlqTopic, partition: part.partition, offset: String(part.next), metadata: o.metadata }]);
    part.committed = part.next;
  }

  function complete(part: PartitionState): void {
    part.done = true;
    consumer.pause([{ topic: dlqTopic, partitions: [part.partition] }]);
    if ([...parts.values()].every((p) => p.done)) finish('end');
  }

  async function examine(part: PartitionState, message: KafkaMessage): Promise<void> {
    const record = readDlqRecord(part.partition, message);
    const verdict = selectRecord(record, { selection, maxRedrives, dlqTopic });
    if (verdict.action === 'redrive' && !dryRun) {
      await o.rateLimit(o.running);
      await publishCopy(o.producer as Producer, record, o.publishTimeoutMs);
    }
    const row = tallyVerdict(summary, verdict, { partition: part.partition, offset: message.offset, record });
    if (verdict.action === 'refuse')
      logger.warn(
        { partition: part.partition, offset: message.offset, eventId: record.eventId, why: verdict.why, redriveCount: record.redriveCount },
        'DLQ record refused',
      );
    part.next = BigInt(message.offset) + 1n;
    o.progress.increment();
    o.onRow(row);
    // Commit after each acknowledged copy: a crash right after it never republishes it again.
    if (row.action === 'redriven') await commit(part);
  }

  return async function eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const part = parts.get(batch.partition);
    if (!part || part.done) return;
    try {
      for (const message of batch.messages) {
        if (o.running.aborted || !isRunning() || isStale()) break;
        const offset = BigInt(message.offset);
        // Before the start: a dry run's seek not applied yet, or records refetched after a rebalance.
        if (offset < part.next) {
          resolveOffset(message.offset);
          continue;
        }
        if (offset >= part.end) {
          complete(part);
          break;
        }
        await examine(part, message);
        resolveOffset(message.offset);
        await heartbeat();
        if (limit !== undefined && summary.redriven >= limit) {
          await commit(part);
          finish('limit');
          break;
        }
        if (part.next >= part.end) {
          await commit(part);
          complete(part);
          break;
        }
      }
      // Skipped and refused records at the end of a batch are handled too.
      await commit(part);
    } catch (err) {
      if (o.signal?.aborted) finish('interrupted');
      else o.fail(err);
    }
  };
}
