import { readFileSync } from 'node:fs';
import { Kafka, logLevel, Partitioners, type Consumer, type KafkaConfig, type Producer, type SASLOptions } from 'kafkajs';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createBatchHandler } from './intake/batch-handler.js';
import { ConsumerLifecycle } from './intake/consumer-lifecycle.js';
import { KafkaContact } from './intake/kafka-contact.js';
import { Capacity } from './delivery/capacity.js';
import { CircuitBreaker } from './delivery/circuit-breaker.js';
import { Dispatcher } from './delivery/dispatcher.js';
import { createSmtpMailer, type Mailer } from './delivery/mailer.js';
import { createRedisSentLedger, REDIS_LEDGER_CLIENT_OPTIONS } from './delivery/redis-sent-ledger.js';
import { noLedger, type SentLedger } from './delivery/sent-ledger.js';
import { classifySmtpError } from './delivery/smtp-errors.js';
import { fromDomain, type Config } from './platform/config.js';
import { Health } from './platform/health.js';
import { startHttpServer } from './platform/http-server.js';
import { kafkaLogCreator } from './platform/kafka-log.js';
import type { Logger } from './platform/logger.js';
import { createMetrics, type Metrics } from './platform/metrics.js';
import { sleep } from './platform/sleep.js';
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

/** A startup failure that retrying cannot fix (bad SMTP credentials, say). */
export class FatalStartupError extends Error {
  readonly code = 'ERR_FATAL_STARTUP';
}

export function kafkaClientConfig(config: Config, logger: Logger): KafkaConfig {
  const { kafka } = config;
  const sasl = kafka.saslMechanism === '' ? undefined : ({ mechanism: kafka.saslMechanism, username: kafka.saslUsername, password: kafka.saslPassword } as SASLOptions);
  const ssl = kafka.ssl ? { rejectUnauthorized: kafka.sslRejectUnauthorized, ...(kafka.sslCaFile ? { ca: [readFileSync(kafka.sslCaFile, 'utf8')] } : {}) } : false;
  return {
    clientId: kafka.clientId,
    brokers: [...kafka.brokers],
    ssl,
    ...(sasl ? { sasl } : {}),
    logLevel: logLevel.INFO,
    logCreator: kafkaLogCreator(logger.child({ component: 'kafkajs' })),
    retry: { initialRetryTime: 300, maxRetryTime: 30_000, retries: 8 },
  };
}

/** The composition root: the only place real clients (KafkaJS, nodemailer, Registry) are built. */
export function createApp(options: AppOptions): App {
  const { config, logger } = options;
  const registry = options.registry ?? new Registry();
  const metrics = createMetrics({ registry });
  const kafka = new Kafka(kafkaClientConfig(config, logger));
  const consumer: Consumer = kafka.consumer({
    groupId: config.kafka.groupId,
    sessionTimeout: config.kafka.sessionTimeoutMs,
    heartbeatInterval: config.kafka.heartbeatIntervalMs,
    allowAutoTopicCreation: false,
    // Keep what KafkaJS prefetches small: it is memory outside EMAIL_WORKER_BUFFER.
    maxBytesPerPartition: 1024 * 1024,
    maxBytes: 8 * 1024 * 1024,
    // The fetch long-poll bounds how long leaving the group waits at shutdown.
    maxWaitTimeInMs: 1000,
  });
  // Idempotent with acks=-1 (set per send): a retried DLQ produce never writes the record twice.
  // KafkaJS requires unbounded retries for idempotence; the DLQ publisher's own loop is cancellable.
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { initialRetryTime: 300, maxRetryTime: 30_000, retries: Number.MAX_SAFE_INTEGER },
  });
  const mailer = options.mailer ?? createSmtpMailer({ ...config.smtp, connections: config.email.workerCount });
  const { idempotency } = config;
  const ledger =
    options.ledger ??
    (idempotency.redisUrl === ''
      ? noLedger
      : createRedisSentLedger({
          redis: new Redis(idempotency.redisUrl, REDIS_LEDGER_CLIENT_OPTIONS),
          ttlSeconds: idempotency.ttlSeconds,
          leaseMs: idempotency.leaseMs,
          strict: idempotency.strict,
          metrics,
          logger: logger.child({ component: 'sent-ledger' }),
        }));

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
  const committer = new Committer({
    tracker,
    commit: createConfirmedCommit(consumer),
    minIntervalMs: config.kafka.commitIntervalMs,
    intervalMs: 1000,
    metrics,
    logger,
    onCommitted: progress,
  });
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
  const settle = createSettler({
    tracker,
    publishDlq: createDlqPublisher({ producer, topic: config.kafka.dlqTopic, groupId: config.kafka.groupId, stallAfterMs: config.kafka.dlqPublishStallMs, metrics, logger }),
    metrics,
    logger,
    onProgress: () => {
      progress();
      committer.notify();
    },
  });
  const dispatcher: Dispatcher = new Dispatcher({
    mailer,
    ledger,
    breaker,
    capacity,
    policy: { maxRetries: config.email.maxRetries, delaysMs: config.email.retryDelaysMs },
    workerCount: config.email.workerCount,
    rateLimitPerSecond: config.email.rateLimitPerSecond,
    email: { from: config.email.from, domain: fromDomain(config.email.from) },
    settle,
    onFatal: () => void stop({ exitCode: 1, reason: 'fatal SMTP error' }),
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
    onFatal: (reason) => void stop({ exitCode: 1, reason }),
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

  let http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  let gauges: NodeJS.Timeout | undefined;
  let stopping: Promise<number> | undefined;
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  const verifyLoop = new AbortController();

  function updateReady(): void {
    health.setJoined(lifecycle.inGroup && contact.reachable());
    health.setBlockedPartitions(lifecycle.blockedPartitions.length);
    metrics.ready.set(health.readiness().ok ? 1 : 0);
  }

  function refreshGauges(): void {
    contact.check();
    lifecycle.refresh();
    refreshPartitionGauges(metrics, tracker);
  }

  /**
   * Verifies SMTP for readiness. The first try runs before consuming: bad credentials stop the
   * start (nothing consumed, nothing dead-lettered). Other failures are retried in the background
   * every probe interval; credentials rejected later stop the service the same way.
   */
  async function verifySmtp(from = 1): Promise<void> {
    for (let attempt = from; !verifyLoop.signal.aborted; attempt += 1) {
      try {
        if (attempt > 1) await sleep(config.smtp.breakerProbeIntervalMs, verifyLoop.signal);
        await mailer.verify();
        health.setSmtpVerified(true);
        updateReady();
        logger.info('SMTP server verified');
        return;
      } catch (err) {
        if (verifyLoop.signal.aborted) return;
        const failure = classifySmtpError(err);
        if (failure.kind === 'fatal' && attempt === 1) throw new FatalStartupError(`SMTP rejected the configured credentials (${failure.message})`, { cause: err });
        if (failure.kind === 'fatal') {
          logger.fatal({ code: failure.code, error: failure.message }, 'SMTP rejected the configured credentials; stopping');
          void stop({ exitCode: 1, reason: 'SMTP authentication failed' });
          return;
        }
        if (attempt === 1) {
          logger.warn({ code: failure.code, responseCode: failure.responseCode, error: failure.message }, 'SMTP verify failed; retrying in the background');
          void verifySmtp(2);
          return;
        }
      }
    }
  }

  async function start(): Promise<void> {
    http = await startHttpServer({ port: config.http.port, host: options.httpHost ?? '0.0.0.0', registry, health, logger });
    gauges = setInterval(refreshGauges, 1000);
    gauges.unref();
    await verifySmtp();
    if (stopping) return;
    contact.touch();
    await producer.connect();
    if (stopping) return;
    await consumer.connect();
    await consumer.subscribe({ topics: [config.kafka.topic], fromBeginning: config.kafka.fromBeginning });
    if (stopping) return;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: handleBatch,
    });
    committer.start();
    logger.info({ topic: config.kafka.topic, groupId: config.kafka.groupId, workers: config.email.workerCount, buffer: config.email.workerBuffer }, 'email dispatcher started');
  }

  /** Each step runs even if an earlier one failed; one failing step never skips the rest. */
  async function step(name: string, fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (err) {
      logger.error({ err, step: name }, 'shutdown step failed');
    }
  }

  function stop({ exitCode = 0, reason = 'stop requested' }: { exitCode?: number; reason?: string } = {}): Promise<number> {
    stopping ??= (async () => {
      const deadline = Date.now() + config.shutdownTimeoutMs;
      logger.info({ reason, held: capacity.held }, 'shutting down');
      health.beginShutdown();
      updateReady();
      verifyLoop.abort();
      await step('stop fetching', () => {
        intake.abort(new Error('shutting down'));
        lifecycle.stop();
      });
      if (exitCode === 0) {
        await step('drain', async () => {
          try {
            await capacity.whenEmpty(AbortSignal.timeout(Math.max(0, deadline - Date.now())));
          } catch {
            logger.warn({ held: capacity.held }, 'shutdown timeout reached; unsettled messages stay uncommitted and will be redelivered');
          }
        });
      }
      await step('abandon unsettled', () => dispatcher.close());
      await step('final commit', async () => {
        committer.stop();
        // During a rebalance this waits for the new assignment; at least a few seconds even when the drain used the budget.
        await committer.finalCommit(AbortSignal.timeout(Math.max(deadline - Date.now(), 3_000)));
      });
      await step('leave group', () => consumer.disconnect());
      lifecycle.close();
      await step('close producer', () => producer.disconnect());
      await step('close SMTP pool', () => mailer.close());
      await step('close ledger', () => ledger.close());
      await step('stop circuit breaker', () => breaker.stop());
      clearInterval(gauges);
      await step('close HTTP', () => http?.close());
      logger.info({ exitCode }, 'stopped');
      resolveDone(exitCode);
      return exitCode;
    })();
    return stopping;
  }

  return { start, stop, done, metrics, health, httpPort: () => http?.port };
}
