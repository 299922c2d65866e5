import { randomUUID } from 'node:crypto';

import { type Consumer, type Kafka, Partitioners, type Producer } from 'kafkajs';
import type { Logger } from 'pino';

import { REDRIVE_ERROR_CODES, RedriveError } from '../platform/service-error.js';
import { closeRedriveClients } from './close-redrive-clients.js';
import { createDlqBatchHandler, type RedriveStop } from './dlq-batch-handler.js';
import { createRateLimiter } from './rate-limiter.js';
import { commitMetadata } from './redrive-group.js';
import type { RedriveProgress, RedriveRow, RedriveSummary, ResolvedRedriveOptions } from './redrive-types.js';
import { startPositions } from './start-positions.js';
import { emptySummary } from './tally-verdict.js';
import { withDeadline } from './with-deadline.js';

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
  const { dlqTopic, group, dryRun, selection, publishTimeoutMs = 30_000, connectTimeoutMs = 30_000 } = options;
  const summary = emptySummary(dlqTopic, group, dryRun);
  const metadata = commitMetadata(selection);
  const readerGroup = dryRun ? `${group}.dry-run-${randomUUID().slice(0, 8)}` : group;
  const rateLimit = createRateLimiter({ perSecond: options.ratePerSecond });
  const running = new AbortController();
  const admin = kafka.admin();
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;

  let settle: { finish(stop: RedriveStop): void; fail(err: unknown): void } | undefined;
  const finished = new Promise<RedriveStop>((resolve, reject) => {
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
    const parts = await startPositions({ admin, dlqTopic, group, metadata, signal: signal ?? running.signal });
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
    const eachBatch = createDlqBatchHandler({
      options,
      publishTimeoutMs,
      metadata,
      parts,
      consumer,
      producer,
      rateLimit,
      summary,
      running: running.signal,
      signal,
      finish,
      fail,
      progress,
      onRow,
      logger,
    });
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
    await closeRedriveClients({ consumer, producer, admin, dryRunGroup: dryRun ? readerGroup : undefined, logger });
  }
  return summary;
}
