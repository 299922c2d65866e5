import type { Logger } from 'pino';
import { Registry } from 'prom-client';

import { buildClients } from './composition/build-clients.js';
import { buildCommit } from './composition/build-commit.js';
import { buildDispatcher } from './composition/build-dispatcher.js';
import { buildIntake } from './composition/build-intake.js';
import { buildSettle } from './composition/build-settle.js';
import { emailSite } from './composition/email-site.js';
import { serviceMetrics } from './composition/service-metrics.js';
import { buildSmtpOut } from './composition/smtp-out.js';
import { type Opened, startService } from './composition/start-service.js';
import { stopService } from './composition/stop-service.js';
import type { Dispatcher } from './delivery/dispatcher.js';
import type { SentLedger } from './ledger/sent-ledger.js';
import { Capacity } from './pipeline/capacity.js';
import { buildInfo } from './platform/build-info.js';
import type { Config } from './platform/config/schema.js';
import type { Metrics } from './platform/metrics.js';
import { createTracing } from './platform/tracing/tracing.js';
import type { Health } from './readiness/health.js';
import { createReadiness } from './readiness/readiness.js';
import { OffsetTracker } from './settle/offset-tracker.js';
import { StalledPublishes } from './settle/publish/produce-until-acknowledged.js';
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
  const { catalog, site } = emailSite(config, metrics);
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
  const { committer, commitGate } = buildCommit({
    config,
    tracker,
    consumer,
    hold: () => dispatcher.hold('commit'),
    release: () => dispatcher.unhold('commit'),
    onProgress: () => readiness.progress(),
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
  const onSettled = () => {
    readiness.progress();
    commitGate.check();
    committer.notify();
  };
  const settle = buildSettle({ config, producer, tracker, publishReceipt, stalls: stalledPublishes, onProgress: onSettled, metrics, logger });
  const dispatcher: Dispatcher = buildDispatcher({
    config,
    mailer,
    ledger,
    breaker,
    capacity,
    sendRate: clusterRate?.rate,
    email: site,
    settle,
    onFatal: () => stopWith(1)('fatal SMTP error'),
    metrics,
    logger,
  });
  const { lifecycle, handleBatch, highWatermarks, intake } = buildIntake({
    config,
    consumer,
    admin,
    tracker,
    capacity,
    dispatcher,
    committer,
    tracing,
    routes: catalog.routes,
    onChange: () => readiness.update(),
    onFatal: stopWith(1),
    onContact: () => readiness.contact.touch(),
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

  const opened: Opened = {};
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (resolveDone = resolve));

  function start(): Promise<void> {
    const { topicCheckAdmin } = clients;
    const httpHost = options.httpHost ?? '0.0.0.0';
    const parts = { config, registry, httpHost, tracing, readiness, topicCheckAdmin, lifecycle, highWatermarks, tracker, commitGate, smtpVerifier };
    return startService({ ...parts, producer, consumer, eachBatch: handleBatch, committer, stopping: () => stopping !== undefined, metrics, logger }, opened);
  }

  function stop({ exitCode = 0, reason = 'stop requested' }: { exitCode?: number; reason?: string } = {}): Promise<number> {
    stopping ??= (async () => {
      const parts = { smtpVerifier, intake, lifecycle, capacity, dispatcher, committer, consumer, producer, mailer, ledger, highWatermarks, tracing, logger };
      const closers = { closeRate: () => clusterRate?.close(), stopGauges: () => clearInterval(opened.gauges), closeHttp: () => opened.http?.close() };
      await stopService({ ...parts, ...closers, breaker: { stop: stopBreakers } }, { readiness, exitCode, reason, timeoutMs: config.shutdownTimeoutMs });
      resolveDone(exitCode);
      return exitCode;
    })();
    return stopping;
  }

  return { start, stop, done, metrics, health: readiness.health, httpPort: () => opened.http?.port };
}
