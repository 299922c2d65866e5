import { Registry } from 'prom-client';
import { buildClients } from './composition/build-clients.js';
import { createReadiness } from './composition/readiness.js';
import { shutdownPlan } from './composition/shutdown-plan.js';
import { Capacity } from './delivery/capacity.js';
import { CircuitBreaker } from './delivery/circuit-breaker.js';
import { Dispatcher } from './delivery/dispatcher.js';
import type { Mailer } from './delivery/mailer.js';
import type { SentLedger } from './delivery/sent-ledger.js';
import { createSmtpVerifier } from './delivery/smtp-verifier.js';
import { createBatchHandler } from './intake/batch-handler.js';
import { ConsumerLifecycle } from './intake/consumer-lifecycle.js';
import { fromDomain, type Config } from './platform/config.js';
import type { Health } from './platform/health.js';
import { startHttpServer } from './platform/http-server.js';
import type { Logger } from './platform/logger.js';
import { buildInfo } from './platform/build-info.js';
import { createMetrics, type Metrics } from './platform/metrics.js';
import { DLQ_REASONS } from './pipeline/outcome.js';
import { NAME_PROBLEMS } from './pipeline/signup-event.js';
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

/** The composition root: the only place the parts are built and connected. It only wires. */
export function createApp(options: AppOptions): App {
  const { config, logger } = options;
  const registry = options.registry ?? new Registry();
  const known = { topics: [config.kafka.topic], dlqReasons: DLQ_REASONS, nameProblems: NAME_PROBLEMS, maxRetries: config.email.maxRetries };
  const metrics = createMetrics({ registry, known, build: buildInfo() });
  const { consumer, producer, mailer, ledger } = buildClients(config, logger, metrics, options);

  let stopping: Promise<number> | undefined;
  const stopWith = (exitCode: number) => (reason: string) => void stop({ exitCode, reason });
  const tracker = new OffsetTracker();
  const capacity = new Capacity(config.email.workerBuffer, { onChange: (held) => metrics.held.set(held) });
  metrics.bufferCapacity.set(config.email.workerBuffer);
  const readiness = createReadiness({
    config,
    metrics,
    logger,
    sources: {
      joined: () => lifecycle.joined,
      inGroup: () => lifecycle.inGroup,
      blockedPartitions: () => lifecycle.blockedPartitions.length,
      circuitOpen: () => breaker.state === 'open',
      hasWork: () => capacity.held > 0 || tracker.stats().some((s) => (s.lag ?? 0n) > 0n),
      stopping: () => stopping !== undefined,
    },
  });
  const committer = new Committer({ tracker, commit: createConfirmedCommit(consumer), minIntervalMs: config.kafka.commitIntervalMs, intervalMs: 1000, metrics, logger, onCommitted: readiness.progress });
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
    readiness.progress();
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
    onChange: () => readiness.update(),
    onFatal: stopWith(1),
    onContact: () => readiness.contact.touch(),
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
      readiness.health.setSmtpVerified(true);
      readiness.update();
    },
    onFatal: stopWith(1),
    logger,
  });

  let http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  let gauges: NodeJS.Timeout | undefined;
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (resolveDone = resolve));

  async function start(): Promise<void> {
    http = await startHttpServer({ port: config.http.port, host: options.httpHost ?? '0.0.0.0', registry, health: readiness.health, logger });
    gauges = setInterval(() => {
      readiness.contact.check();
      lifecycle.refresh();
      refreshPartitionGauges(metrics, tracker);
    }, 1000);
    gauges.unref();
    await smtpVerifier.start();
    if (stopping) return;
    readiness.contact.touch();
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
      logger.info({ reason, held: capacity.held }, 'shutting down');
      readiness.health.beginShutdown();
      readiness.update();
      const parts = { smtpVerifier, intake, lifecycle, capacity, dispatcher, committer, consumer, producer, mailer, ledger, breaker, logger };
      const steps = shutdownPlan(
        { ...parts, stopGauges: () => clearInterval(gauges), closeHttp: () => http?.close() },
        { drain: exitCode === 0, remaining: (atLeast = 0) => Math.max(deadline - Date.now(), atLeast) },
      );
      await runShutdownSteps(steps, logger);
      logger.info({ exitCode }, 'stopped');
      resolveDone(exitCode);
      return exitCode;
    })();
    return stopping;
  }

  return { start, stop, done, metrics, health: readiness.health, httpPort: () => http?.port };
}
