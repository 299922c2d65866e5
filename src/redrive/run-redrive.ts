import { randomUUID } from 'node:crypto';

import { type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage, Partitioners, type Producer } from 'kafkajs';
import type { Logger } from 'pino';

import { REDRIVE_ERROR_CODES, RedriveError } from '../platform/service-error.js';
import { readDlqRecord } from './dlq-record.js';
import { publishCopy } from './publish-copy.js';
import { createRateLimiter } from './rate-limiter.js';
import { commitMetadata } from './redrive-group.js';
import type { RedriveProgress, RedriveRow, RedriveSummary, ResolvedRedriveOptions } from './redrive-types.js';
import { selectRecord } from './select-record.js';
import { type PartitionState, startPositions } from './start-positions.js';
import { tallyVerdict } from './tally-verdict.js';

type Stop = 'end' | 'limit' | 'interrupted';

export interface RunRedriveOptions {
  /** Consumer, producer and admin are made from it and closed before `runRedrive` returns. */
  readonly kafka: Pick<Kafka, 'admin' | 'consumer' | 'producer'>;
  readonly options: ResolvedRedriveOptions;
  readonly logger: Logger;
  readonly progress?: RedriveProgress;
  /** Every examined record, in order per DLQ partition. */
  readonly onRow?: (row: RedriveRow) => void;
  /** Aborting ends the run after the record in hand ('interrupted'); everything committed stays. */
  readonly signal?: AbortSignal;
}

const NO_PROGRESS: RedriveProgress = { start() {}, increment() {}, stop() {} };

/**
 * One redrive run, a Job rather than a daemon: reads the DLQ from the group's position up to the
 * high watermarks taken at the start, republishes the selected records, and returns a summary
 * (errors included: `stoppedBy: 'error'`). A real run commits past each record once it is handled —
 * a redriven record only after the broker acknowledged the copy — so a re-run resumes exactly
 * there; the record in hand when a run dies may be republished twice (the sent ledger absorbs it).
 * A dry run reads with a throwaway group from the real group's position and commits nothing.
 */
export async function runRedrive({ kafka, options, logger, progress = NO_PROGRESS, onRow = () => {}, signal }: RunRedriveOptions): Promise<RedriveSummary> {
  const { dlqTopic, group, dryRun, selection, maxRedrives, limit, publishTimeoutMs = 30_000, connectTimeoutMs = 30_000 } = options;
  const summary: RedriveSummary = {
    dlqTopic,
    group,
    dryRun,
    stoppedBy: 'end',
    error: undefined,
    examined: 0,
    redriven: 0,
    redrivenByReason: {},
    skipped: 0,
    refused: [],
  };
  const metadata = commitMetadata(selection);
  const readerGroup = dryRun ? `${group}.dry-run-${randomUUID().slice(0, 8)}` : group;
  const rateLimit = createRateLimiter({ perSecond: options.ratePerSecond });
  const running = new AbortController();
  const admin = kafka.admin();
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;
  let parts = new Map<number, PartitionState>();

  let settle: { finish(stop: Stop): void; fail(err: unknown): void } | undefined;
  const finished = new Promise<Stop>((resolve, reject) => {
    settle = {
      finish: (stop) => {
        running.abort();
        resolve(stop);
      },
      fail: (err) => {
        running.abort();
        reject(err);
      },
    };
  });
  const { finish, fail } = settle as NonNullable<typeof settle>;
  // Settled at most once; awaited only once the consumer runs, so an early failure is not "unhandled".
  finished.catch(() => {});
  const onAbort = () => finish('interrupted');

  async function commit(part: PartitionState): Promise<void> {
    if (dryRun || part.next <= part.committed || !consumer) return;
    await consumer.commitOffsets([{ topic: dlqTopic, partition: part.partition, offset: String(part.next), metadata }]);
    part.committed = part.next;
  }

  function complete(part: PartitionState): void {
    part.done = true;
    consumer?.pause([{ topic: dlqTopic, partitions: [part.partition] }]);
    if ([...parts.values()].every((p) => p.done)) finish('end');
  }

  async function examine(part: PartitionState, message: KafkaMessage): Promise<void> {
    const record = readDlqRecord(part.partition, message);
    const verdict = selectRecord(record, { selection, maxRedrives, dlqTopic });
    if (verdict.action === 'redrive' && !dryRun) {
      await rateLimit(running.signal);
      await publishCopy(producer as Producer, record, publishTimeoutMs);
    }
    const row = tallyVerdict(summary, verdict, { partition: part.partition, offset: message.offset, record });
    if (verdict.action === 'refuse')
      logger.warn(
        { partition: part.partition, offset: message.offset, eventId: record.eventId, why: verdict.why, redriveCount: record.redriveCount },
        'DLQ record refused',
      );
    part.next = BigInt(message.offset) + 1n;
    progress.increment();
    onRow(row);
    // Commit after each acknowledged copy: a crash right after it never republishes it again.
    if (row.action === 'redriven') await commit(part);
  }

  async function eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const part = parts.get(batch.partition);
    if (!part || part.done) return;
    try {
      for (const message of batch.messages) {
        if (running.signal.aborted || !isRunning() || isStale()) break;
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
      if (signal?.aborted) finish('interrupted');
      else fail(err);
    }
  }

  try {
    await withDeadline(
      admin.connect(),
      connectTimeoutMs,
      () =>
        new RedriveError(
          REDRIVE_ERROR_CODES.brokerUnreachable,
          `Kafka did not answer within ${connectTimeoutMs / 1000} s (--connect-timeout); nothing was read or committed`,
        ),
    );
    parts = await startPositions({ admin, dlqTopic, group, metadata, signal: signal ?? running.signal });
    const total = [...parts.values()].reduce((sum, p) => sum + (p.end - p.next), 0n);
    logger.info(
      {
        dlqTopic,
        group,
        dryRun,
        records: Number(total),
        partitions: [...parts.values()].map((p) => ({ partition: p.partition, from: String(p.next), to: String(p.end) })),
      },
      'DLQ redrive starting',
    );
    if (total === 0n) return summary;
    if (signal?.aborted) {
      summary.stoppedBy = 'interrupted';
      return summary;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    progress.start(Number(total));

    if (!dryRun) {
      // Idempotent: a produce retried inside one run never writes the copy twice.
      producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
    }
    consumer = kafka.consumer({ groupId: readerGroup, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = payload.memberAssignment[dlqTopic] ?? [];
      if (assigned.length < parts.size) {
        fail(
          new RedriveError(
            REDRIVE_ERROR_CODES.groupBusy,
            `consumer group ${group} has another member (assigned ${assigned.length} of ${parts.size} partitions): is another redrive of this selection running?`,
          ),
        );
      }
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart)
        fail(new RedriveError(REDRIVE_ERROR_CODES.consumerCrashed, `the DLQ consumer crashed: ${payload.error.message}`, { cause: payload.error }));
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [dlqTopic], fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch });
    for (const part of parts.values()) {
      if (part.done) consumer.pause([{ topic: dlqTopic, partitions: [part.partition] }]);
      else if (dryRun) consumer.seek({ topic: dlqTopic, partition: part.partition, offset: String(part.next) });
    }
    summary.stoppedBy = await finished;
  } catch (err) {
    summary.stoppedBy = 'error';
    summary.error = err;
  } finally {
    running.abort();
    signal?.removeEventListener('abort', onAbort);
    progress.stop();
    await quietly(logger, 'disconnect consumer', () => consumer?.disconnect());
    await quietly(logger, 'disconnect producer', () => producer?.disconnect());
    if (dryRun && consumer) await quietly(logger, 'delete dry-run group', () => admin.deleteGroups([readerGroup]));
    await quietly(logger, 'disconnect admin', () => admin.disconnect());
  }
  return summary;
}

/** `work`, or the error `expired()` makes once `ms` passed; the work is not awaited further. */
async function withDeadline<T>(work: Promise<T>, ms: number, expired: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(expired()), ms)));
  work.catch(() => {});
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function quietly(logger: Logger, step: string, fn: () => Promise<unknown> | undefined): Promise<void> {
  try {
    await fn();
  } catch (err) {
    logger.warn({ err, step }, 'redrive cleanup step failed');
  }
}
