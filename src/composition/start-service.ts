import type { Admin, Consumer, EachBatchHandler, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import type { ConsumerLifecycle } from '../intake/consumer-lifecycle.js';
import type { Config } from '../platform/config/schema.js';
import { PARTITIONS_CONSUMED_CONCURRENTLY } from '../platform/kafka/client-config.js';
import { checkKafkaTopics, configuredTopics } from '../platform/kafka/topic-check.js';
import type { Metrics } from '../platform/metrics.js';
import type { Tracing } from '../platform/tracing/tracing.js';
import { startHttpServer } from '../readiness/http-server.js';
import type { Readiness } from '../readiness/readiness.js';
import type { CommitGate } from '../settle/commit-gate.js';
import type { Committer } from '../settle/committer.js';
import type { OffsetTracker } from '../settle/offset-tracker.js';
import { refreshPartitionGauges } from '../settle/partition-gauges.js';

/** What start opens, in the order it opens them. */
export interface StartParts {
  readonly config: Config;
  readonly registry: Registry;
  /** Bind address of the HTTP server. */
  readonly httpHost: string;
  readonly tracing: Pick<Tracing, 'start'>;
  readonly readiness: Pick<Readiness, 'health' | 'contact'>;
  /** Checks the topics, then is let go. */
  readonly topicCheckAdmin: Admin;
  readonly lifecycle: Pick<ConsumerLifecycle, 'refresh'>;
  readonly highWatermarks: { poll(): void };
  readonly tracker: OffsetTracker;
  readonly commitGate: Pick<CommitGate, 'check'>;
  readonly smtpVerifier: { start(): Promise<void> };
  readonly producer: Pick<Producer, 'connect'>;
  readonly consumer: Pick<Consumer, 'connect' | 'subscribe' | 'run'>;
  readonly eachBatch: EachBatchHandler;
  readonly committer: Pick<Committer, 'start'>;
  /** True once stop began: start goes no further. */
  readonly stopping: () => boolean;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/** What start opened that stop must close, also when start failed half way. */
export interface Opened {
  http?: Awaited<ReturnType<typeof startHttpServer>>;
  gauges?: NodeJS.Timeout;
}

/**
 * Starts the service: tracing, the HTTP server, the topic check, the gauges, the SMTP check, then
 * Kafka (the producer, then the consumer). What it opens goes into `opened` at once, so a stop
 * during or after a failed start closes it.
 */
export async function startService(p: StartParts, opened: Opened): Promise<void> {
  const { config, logger } = p;
  await p.tracing.start();
  opened.http = await startHttpServer({ port: config.http.port, host: p.httpHost, registry: p.registry, health: p.readiness.health, logger });
  // A missing topic is a ConfigError (exit 2): KafkaJS would wait on it for ever instead.
  await checkKafkaTopics({ admin: p.topicCheckAdmin, topics: configuredTopics(config) });
  opened.gauges = setInterval(() => {
    p.readiness.contact.check();
    p.lifecycle.refresh();
    p.highWatermarks.poll();
    refreshPartitionGauges(p.metrics, p.tracker);
    // A rebalance or a rewind can drop uncommitted offsets without a commit.
    p.commitGate.check();
  }, 1000);
  opened.gauges.unref();
  await p.smtpVerifier.start();
  if (p.stopping()) return;
  p.readiness.contact.touch();
  await p.producer.connect();
  if (p.stopping()) return;
  await p.consumer.connect();
  await p.consumer.subscribe({ topics: [config.kafka.topic], fromBeginning: config.kafka.fromBeginning });
  if (p.stopping()) return;
  await p.consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
    eachBatch: p.eachBatch,
  });
  p.committer.start();
  logger.info(
    { topic: config.kafka.topic, groupId: config.kafka.groupId, workers: config.email.workerCount, buffer: config.email.workerBuffer },
    'email dispatcher started',
  );
}
