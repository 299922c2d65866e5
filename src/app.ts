import type { Logger } from 'pino';
import { Registry } from 'prom-client';

import { buildClients } from './composition/build-clients.js';
import { serviceMetrics } from './composition/service-metrics.js';
import { shutdownPlan } from './composition/shutdown-plan.js';
import { buildSmtpOut } from './composition/smtp-out.js';
import { tracedSubmit } from './composition/traced-submit.js';
import { Dispatcher } from './delivery/dispatcher.js';
import type { WelcomeSite } from './email/render-welcome-email.js';
import { loadTemplateCatalog } from './email/templates/load-template-catalog.js';
import { createBatchHandler } from './intake/batch-handler.js';
import { ConsumerLifecycle } from './intake/consumer-lifecycle.js';
import { StableOffsetPoll } from './intake/stable-offset-poll.js';
import type { SentLedger } from './ledger/sent-ledger.js';
import { Capacity } from './pipeline/capacity.js';
import { buildInfo } from './platform/build-info.js';
import { fromDomain } from './platform/config/config.js';
import type { Config } from './platform/config/schema.js';
import { PARTITIONS_CONSUMED_CONCURRENTLY } from './platform/kafka/client-config.js';
import { checkKafkaTopics, configuredTopics } from './platform/kafka/topic-check.js';
import type { Metrics } from './platform/metrics.js';
import { runShutdownSteps } from './platform/shutdown-steps.js';
import { createTracing } from './platform/tracing/tracing.js';
import type { Health } from './readiness/health.js';
import { startHttpServer } from './readiness/http-server.js';
import { createReadiness } from './readiness/readiness.js';
import { CommitGate } from './settle/commit-gate.js';
import { Committer } from './settle/committer.js';
import { createConfirmedCommit } from './settle/confirmed-commit.js';
import { OffsetTracker } from './settle/offset-tracker.js';
import { refreshPartitionGauges, removePartitionGauges } from './settle/partition-gauges.js';
import { createDlqPublisher } from './settle/publish/dlq-publisher.js';
import { StalledPublishes } from './settle/publish/produce-until-acknowledged.js';
import { createSettler } from './settle/settler.js';
import type { Mailer } from './smtp/mailer.js';
import { createSmtpVerifier } from './smtp/verifier.js';

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
  const metrics = serviceMetrics(config, registry);
  // Before any client is built: a bad template is a ConfigError (exit 2), never a DLQ flood.
  const catalog = loadTemplateCatalog({ dir: config.email.templatesDir, defaultLocale: config.email.defaultLocale, vars: config.email.templateVars, metrics });
  for (const template of catalog.sets.keys()) metrics.sent.inc({ template }, 0);
  // Handed to renderEmail as it is (through the dispatcher's ComposeAhead), templates included.
  const site: WelcomeSite = { from: config.email.from, domain: fromDomain(config.email.from), catalog, envelopeFrom: config.email.envelopeFrom || undefined };
  // DLQ and receipt publishes past their bound: unready, and /livez waits (readiness is built below).
  const stalledPublishes = new StalledPublishes(() => readiness.update());
  const clients = buildClients(config, logger, metrics, { ...options, stalls: stalledPublishes });
  const { consumer, producer, admin, ledger, clusterRate, publishReceipt } = clients;
  // Off unless OTEL_* ask for it; the SDK is loaded by start() only then.
  const tracing = createTracing({ config: config.tracing, groupId: config.kafka.groupId, serviceVersion: buildInfo().version, logger });

  let stopping: Promise<number> | undefined;
  const stopWith = (exitCode: number) => (reason: string) => void stop({ exitCode, reason });
  const tracker = new OffsetTracker();
  const capacity = new Capacity(config.email.workerBuffer, { onChange: (held) => metrics.held.set(held) });
  const readiness = createReadiness({
    config,
    metrics,
    logger,
    sources: {
      joined: () => lifecycle.joined,
      inGroup: () => lifecycle.inGroup,
      blockedPartitions: () => lifecycle.blockedPartitions.length,
      circuitOpen: () => breaker.state === 'open',
      smtpRelays: () => smtpRelays?.(),
      stalledPublishes: () => stalledPublishes.count,
      commitBlocked: () => commitGate.blocked,
      hasWork: () => capacity.held > 0 || tracker.stats().some((s) => (s.lag ?? 0n) > 0n),
      stopping: () => stopping !== undefined,
      sendRate: () => clusterRate?.rate.state?.(),
    },
  });
  const onCommitted = () => {
    readiness.progress();
    commitGate.check();
  };
  const committer = new Committer({
    tracker,
    commit: createConfirmedCommit(consumer),
    minIntervalMs: config.kafka.commitIntervalMs,
    intervalMs: 1000,
    metrics,
    logger,
    onCommitted,
  });
  // Settled offsets no confirmed commit covers are mailed again when their partition moves: past the bound, sends hold.
  const commitGate = new CommitGate({
    uncommitted: () => tracker.uncommitted(),
    max: config.kafka.maxUncommitted,
    hold: () => dispatcher.hold('commit'),
    release: () => dispatcher.unhold('commit'),
    onChange: () => readiness.update(),
    metrics,
    logger,
  });
  const {
    mailer,
    breaker,
    relays: smtpRelays,
    stop: stopBreakers,
  } = buildSmtpOut({
    config,
    mailer: clients.mailer,
    fallback: clients.fallbackMailer,
    metrics,
    logger,
    onChange: (state) => {
      metrics.circuitOpen.set(state === 'open' ? 1 : 0);
      if (state === 'open') dispatcher.hold('circuit');
      else dispatcher.unhold('circuit');
      lifecycle.setCircuitOpen(state === 'open');
    },
    onFatal: stopWith(1),
  });
  const publishDlq = createDlqPublisher({
    producer,
    topic: config.kafka.dlqTopic,
    groupId: config.kafka.groupId,
    stallAfterMs: config.kafka.dlqPublishStallMs,
    stalls: stalledPublishes,
    metrics,
    logger,
  });
  const onSettled = () => {
    readiness.progress();
    commitGate.check();
    committer.notify();
  };
  const dispatcher: Dispatcher = new Dispatcher({
    mailer,
    ledger,
    breaker,
    capacity,
    policy: { maxRetries: config.email.maxRetries, delaysMs: config.email.retryDelaysMs },
    workerCount: config.email.workerCount,
    // Cluster scope: the shared budget is taken per send; the pool's own cap is for pod scope.
    rateLimitPerSecond: clusterRate ? 0 : config.email.rateLimitPerSecond,
    ...(clusterRate ? { sendRate: clusterRate.rate } : {}),
    email: site,
    unmappedEventTypes: config.email.unmappedEventTypes,
    settle: createSettler({ tracker, publishDlq, publishReceipt, metrics, logger, onProgress: onSettled }),
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
    routes: catalog.routes,
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
    await tracing.start();
    http = await startHttpServer({ port: config.http.port, host: options.httpHost ?? '0.0.0.0', registry, health: readiness.health, logger });
    // A missing topic is a ConfigError (exit 2): KafkaJS would wait on it for ever instead.
    await checkKafkaTopics({ admin: clients.topicCheckAdmin, topics: configuredTopics(config) });
    gauges = setInterval(() => {
      readiness.contact.check();
      lifecycle.refresh();
      highWatermarks.poll();
      refreshPartitionGauges(metrics, tracker);
      // A rebalance or a rewind can drop uncommitted offsets without a commit.
      commitGate.check();
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
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
      eachBatch: handleBatch,
    });
    committer.start();
    logger.info(
      { topic: config.kafka.topic, groupId: config.kafka.groupId, workers: config.email.workerCount, buffer: config.email.workerBuffer },
      'email dispatcher started',
    );
  }

  function stop({ exitCode = 0, reason = 'stop requested' }: { exitCode?: number; reason?: string } = {}): Promise<number> {
    stopping ??= (async () => {
      const deadline = Date.now() + config.shutdownTimeoutMs;
      logger.info({ reason, held: capacity.held }, 'shutting down');
      readiness.health.beginShutdown();
      readiness.update();
      const parts = {
        smtpVerifier,
        intake,
        lifecycle,
        capacity,
        dispatcher,
        committer,
        consumer,
        producer,
        mailer,
        ledger,
        breaker: { stop: stopBreakers },
        logger,
        closeRate: () => clusterRate?.close(),
        highWatermarks,
        tracing,
      };
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
