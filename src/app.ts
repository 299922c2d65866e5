import { Kafka } from 'kafkajs';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { Capacity } from './delivery/capacity.js';
import { CircuitBreaker } from './delivery/circuit-breaker.js';
import { Dispatcher } from './delivery/dispatcher.js';
import { createSmtpMailer, type Mailer } from './delivery/mailer.js';
import { createRedisSentLedger, REDIS_LEDGER_CLIENT_OPTIONS } from './delivery/redis-sent-ledger.js';
import { noLedger, type SentLedger } from './delivery/sent-ledger.js';
import { createSmtpVerifier } from './delivery/smtp-verifier.js';
import { createBatchHandler } from './intake/batch-handler.js';
import { ConsumerLifecycle } from './intake/consumer-lifecycle.js';
import { KafkaContact } from './intake/kafka-contact.js';
import { fromDomain, type Config } from './platform/config.js';
import { Health } from './platform/health.js';
import { startHttpServer } from './platform/http-server.js';
import { consumerConfig, DLQ_PRODUCER_CONFIG, kafkaClientConfig } from './platform/kafka-client-config.js';
import type { Logger } from './platform/logger.js';
import { createMetrics, type Metrics } from './platform/metrics.js';
import { runShutdownSteps } from './platform/shutdown-steps.js';
import { Committer } from './settle/committer.js';
import { createConfirmedCommit } from './settle/confirmed-commit.js';
import { createDlqPublisher } from './settle/dlq-publisher.js';
import { OffsetTracker } from './settle/offset-tracker.js';
import { refreshPartitionGauges } from './settle/partition-gauges.js';
import { createSettler } from './settle/settler.js';

export interface AppOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** A fresh registry per app (tests run several). */
  readonly registry?: Registry;
  /** Overrides for tests; by default built from config. */
  readonly mailer?: Mailer;
  readonly ledger?: SentLedger;
  /** Bind address of the HTTP server. @default '0.0.0.0' */
  readonly httpHost?: string;
}

export interface App {
  start(): Promise<void>;
  /** Graceful, ordered, idempotent. Resolves with the process exit code. */
  stop(options?: { exitCode?: number; reason?: string }): Promise<number>;
  /** Resolves with the exit code once the app stopped (by signal, fatal error or crash). */
  readonly done: Promise<number>;
  readonly metrics: Metrics;
  readonly health: Health;
  httpPort(): number | undefined;
}

/** The composition root: the only place real clients (KafkaJS, nodemailer, Redis, Registry) are built. It only wires. */
export function createApp(options: AppOptions): App {
  const { config, logger } = options;
  const registry = options.registry ?? new Registry();
  const metrics = createMetrics({ registry });
  const kafka = new Kafka(kafkaClientConfig(config, logger));
  const consumer = kafka.consumer(consumerConfig(config));
  const producer = kafka.producer(DLQ_PRODUCER_CONFIG);
  const mailer = options.mailer ?? createSmtpMailer({ ...config.smtp, connections: config.email.workerCount });
  const { idempotency } = config;
  const ledger =
    options.ledger ??
    (idempotency.redisUrl === ''
      ? noLedger
      : createRedisSentLedger({ redis: new Redis(idempotency.redisUrl, REDIS_LEDGER_CLIENT_OPTIONS), ...idempotency, metrics, logger: logger.child({ component: 'sent-ledger' }) }));

  let stopping: Promise<number> | undefined;
  const stopWith = (exitCode: number) => (reason: string) => void stop({ exitCode, reason });
  const tracker = new OffsetTracker();
  const capacity = new Capacity(config.email.workerBuffer, { onChange: (held) => metrics.held.set(held) });
  metrics.bufferCapacity.set(config.email.workerBuffer);
  const contact = new KafkaContact({
    staleAfterMs: Math.max(15_000, 3 * config.kafka.heartbeatIntervalMs),
    onChange: (reachable, silentForMs) => {
      if (stopping) return;
      if (reachable) logger.info('Kafka reachable again');
      else logger.error({ brokers: config.kafka.brokers, silentForMs }, 'no answer from Kafka; unready until the brokers answer again (KafkaJS keeps reconnecting)');
      updateReady();
    },
  });
  const health = new Health({
    stallMs: config.livenessStallMs,
    hasWork: () => capacity.held > 0 || tracker.stats().some((s) => (s.lag ?? 0n) > 0n),
    waitingOnDependency: () => breaker.state === 'open' || !lifecycle.joined || !contact.reachable(),
  });
  const progress = () => {
    health.progress();
    metrics.lastProgress.set(Date.now() / 1000);
  };
  const committer = new Committer({ tracker, commit: createConfirmedCommit(consumer), minIntervalMs: config.kafka.commitIntervalMs, intervalMs: 1000, metrics, logger, onCommitted: progress });
  const breaker: CircuitBreaker = new CircuitBreaker({
    threshold: config.smtp.breakerThreshold,
    probeIntervalMs: config.smtp.breakerProbeIntervalMs,
    probe: () => mailer.verify(),
    logger: logger.child({ component: 'smtp-circuit' }),
    onChange: (state) => {
      metrics.circuitOpen.set(state === 'open' ? 1 : 0);
      if (state === 'open') dispatcher.hold('circuit');
      else dispatcher.unhold('circuit');
      lifecycle.setCircuitOpen(state === 'open');
    },
  });
  const publishDlq = createDlqPublisher({ producer, topic: config.kafka.dlqTopic, groupId: config.kafka.groupId, stallAfterMs: config.kafka.dlqPublishStallMs, metrics, logger });
  const onSettled = () => {
    progress();
    committer.notify();
  };
  const dispatcher: Dispatcher = new Dispatcher({
    mailer,
    ledger,
    breaker,
    capacity,
    policy: { maxRetries: config.email.maxRetries, delaysMs: config.email.retryDelaysMs },
    workerCount: config.email.workerCount,
    rateLimitPerSecond: config.email.rateLimitPerSecond,
    email: { from: config.email.from, domain: fromDomain(config.email.from) },
    settle: createSettler({ tracker, publishDlq, metrics, logger, onProgress: onSettled }),
    onFatal: () => stopWith(1)('fatal SMTP error'),
    metrics,
    logger,
  });
  const lifecycle = new ConsumerLifecycle({
    consumer,
    topic: config.kafka.topic,
    tracker,
    dispatcher,
    committer,
    rejoinCommitBudgetMs: config.kafka.heartbeatIntervalMs,
    maxAheadPerPartition: config.kafka.maxAheadPerPartition,
    onChange: () => updateReady(),
    onFatal: stopWith(1),
    onContact: () => contact.touch(),
    metrics,
    logger,
  });
  const intake = new AbortController();
  const handleBatch = createBatchHandler({
    tracker,
    capacity,
    submit: (record) => dispatcher.submit(record),
    membership: lifecycle,
    heartbeatEveryMs: Math.max(100, Math.floor(config.kafka.heartbeatIntervalMs / 2)),
    maxAheadPerPartition: config.kafka.maxAheadPerPartition,
    onPartitionFull: (tp) => lifecycle.blockPartition(tp),
    onFetchPaused: (waiting) => lifecycle.setWaitingForSpace(waiting),
    signal: intake.signal,
    metrics,
    logger,
  });
  const smtpVerifier = createSmtpVerifier({
    verify: () => mailer.verify(),
    retryMs: config.smtp.breakerProbeIntervalMs,
    onVerified: () => {
      health.setSmtpVerified(true);
      updateReady();
    },
    onFatal: stopWith(1),
    logger,
  });

  let http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  let gauges: NodeJS.Timeout | undefined;
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (resolveDone = resolve));

  function updateReady(): void {
    health.setJoined(lifecycle.inGroup && contact.reachable());
    health.setBlockedPartitions(lifecycle.blockedPartitions.length);
    metrics.ready.set(health.readiness().ok ? 1 : 0);
  }

  async function start(): Promise<void> {
    http = await startHttpServer({ port: config.http.port, host: options.httpHost ?? '0.0.0.0', registry, health, logger });
    gauges = setInterval(() => {
      contact.check();
      lifecycle.refresh();
      refreshPartitionGauges(metrics, tracker);
    }, 1000);
    gauges.unref();
    await smtpVerifier.start();
    if (stopping) return;
    contact.touch();
    await producer.connect();
    if (stopping) return;
    await consumer.connect();
    await consumer.subscribe({ topics: [config.kafka.topic], fromBeginning: config.kafka.fromBeginning });
    if (stopping) return;
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch: handleBatch });
    committer.start();
    logger.info({ topic: config.kafka.topic, groupId: config.kafka.groupId, workers: config.email.workerCount, buffer: config.email.workerBuffer }, 'email dispatcher started');
  }

  function stop({ exitCode = 0, reason = 'stop requested' }: { exitCode?: number; reason?: string } = {}): Promise<number> {
    stopping ??= (async () => {
      const deadline = Date.now() + config.shutdownTimeoutMs;
      const remaining = (atLeast = 0) => Math.max(deadline - Date.now(), atLeast);
      logger.info({ reason, held: capacity.held }, 'shutting down');
      health.beginShutdown();
      updateReady();
      await runShutdownSteps(
        [
          ['stop verifying SMTP', () => smtpVerifier.stop()],
          ['stop fetching', () => {
            intake.abort(new Error('shutting down'));
            lifecycle.stop();
          }],
          ['drain', async () => {
            if (exitCode !== 0) return;
            await capacity.whenEmpty(AbortSignal.timeout(remaining())).catch(() => logger.warn({ held: capacity.held }, 'shutdown timeout reached; unsettled messages stay uncommitted and will be redelivered'));
          }],
          ['abandon unsettled', () => dispatcher.close()],
          // During a rebalance this waits for the new assignment; at least a few seconds even when the drain used the budget.
          ['final commit', () => {
            committer.stop();
            return committer.finalCommit(AbortSignal.timeout(remaining(3_000)));
          }, () => remaining(3_000)],
          // Past the drain budget, a broker that does not answer gets a few seconds, not the grace period.
          ['leave group', () => consumer.disconnect(), () => 4_000],
          ['stop listening to the consumer', () => lifecycle.close()],
          ['close producer', () => producer.disconnect(), () => 2_000],
          ['close SMTP pool', () => mailer.close()],
          ['close ledger', () => ledger.close()],
          ['stop circuit breaker', () => breaker.stop()],
          ['stop gauges', () => clearInterval(gauges)],
          ['close HTTP', () => http?.close()],
        ],
        logger,
      );
      logger.info({ exitCode }, 'stopped');
      resolveDone(exitCode);
      return exitCode;
    })();
    return stopping;
  }

  return { start, stop, done, metrics, health, httpPort: () => http?.port };
}
