import type { Admin, Consumer, EachBatchHandler } from 'kafkajs';
import type { Logger } from 'pino';

import type { Dispatcher } from '../delivery/dispatcher.js';
import { createBatchHandler } from '../intake/batch-handler.js';
import { ConsumerLifecycle } from '../intake/consumer-lifecycle.js';
import type { ConsumerLifecycleOptions } from '../intake/consumer-lifecycle-options.js';
import { StableOffsetPoll } from '../intake/stable-offset-poll.js';
import type { Capacity } from '../pipeline/capacity.js';
import type { EventRoutes } from '../pipeline/event-routes.js';
import type { Config } from '../platform/config/schema.js';
import type { Metrics } from '../platform/metrics.js';
import type { Tracing } from '../platform/tracing/tracing.js';
import type { OffsetTracker } from '../settle/offset-tracker.js';
import { removePartitionGauges } from '../settle/partition-gauges.js';
import { tracedSubmit } from './traced-submit.js';

/** Event in: the group membership, the batch handler that admits records into the pool, and the lag poll. */
export interface Intake {
  readonly lifecycle: ConsumerLifecycle;
  readonly handleBatch: EachBatchHandler;
  readonly highWatermarks: StableOffsetPoll;
  /** Aborted when the service stops: a batch waiting for space ends, the rest of it unread. */
  readonly intake: AbortController;
}

/** What intake is built from; `onChange`, `onFatal` and `onContact` are the lifecycle's. */
export interface IntakeParts {
  readonly config: Config;
  readonly consumer: Consumer;
  readonly admin: Admin;
  readonly tracker: OffsetTracker;
  readonly capacity: Capacity;
  readonly dispatcher: Dispatcher;
  readonly committer: ConsumerLifecycleOptions['committer'];
  readonly tracing: Pick<Tracing, 'enabled' | 'startEvent'>;
  readonly routes: EventRoutes;
  readonly onChange: () => void;
  readonly onFatal: (reason: string) => void;
  readonly onContact: () => void;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/** Builds intake from config. */
export function buildIntake(parts: IntakeParts): Intake {
  const { config, consumer, admin, tracker, capacity, dispatcher, committer, tracing, routes, onChange, onFatal, onContact, metrics, logger } = parts;
  const lifecycle = new ConsumerLifecycle({
    consumer,
    topic: config.kafka.topic,
    tracker,
    dispatcher,
    committer,
    rejoinCommitBudgetMs: config.kafka.heartbeatIntervalMs,
    maxAheadPerPartition: config.kafka.maxAheadPerPartition,
    onChange,
    onFatal,
    onContact,
    onPartitionsDropped: (partitions) => removePartitionGauges(metrics, partitions),
    metrics,
    logger,
  });
  const highWatermarks = new StableOffsetPoll({ admin, topic: config.kafka.topic, tracker, logger });
  const intake = new AbortController();
  const handleBatch = createBatchHandler({
    tracker,
    capacity,
    submit: tracedSubmit((record) => dispatcher.submit(record), tracing),
    membership: lifecycle,
    heartbeatEveryMs: Math.max(100, Math.floor(config.kafka.heartbeatIntervalMs / 2)),
    maxAheadPerPartition: config.kafka.maxAheadPerPartition,
    onPartitionFull: (tp) => lifecycle.blockPartition(tp),
    onFetchPaused: (waiting) => lifecycle.setWaitingForSpace(waiting),
    routes,
    signal: intake.signal,
    metrics,
    logger,
  });
  return { lifecycle, handleBatch, highWatermarks, intake };
}
