/**
 * The real run behind the dashboard picture: a local Kafka broker, two SMTP sinks (the primary and
 * the fallback relay), a Redis for the sent ledger and the cluster send rate, the service as separate replicas (pods) and a real Prometheus scraping them, under the load
 * test's steady stream of sign-up events while the scenario's faults come and go. `use` gets the
 * Prometheus that recorded it all; every process started here is stopped afterwards.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';

import { sleep } from '../../src/platform/sleep.js';
import { canConnect } from '../kafka/port.js';
import { freePort } from '../loadtest/free-port.js';
import { produceEvents } from '../loadtest/produce-events.js';
import { waitForReady } from '../loadtest/wait.js';
import { createTopics, ensureKafka, type LocalKafkaOptions } from '../local-kafka.js';
import { type ServiceProcess, spawnService } from '../service-process.js';
import { type SmtpSink, startSmtpSink } from '../smtp-sink.js';
import { type Daemon, startDaemon } from './daemon.js';
import { elapsedLabel } from './draw-panel.js';
import { PROMETHEUS_BINARY, prometheusConfig, startPrometheus } from './local-prometheus.js';
import { podEnvironment } from './pod-environment.js';
import { type Scenario, scenarioPods, stepLabel, timeline, type TimelineEntry } from './scenario.js';

/** The namespace label every scraped series gets, as a PodMonitor would set it. */
export const NAMESPACE = 'local';

export interface DashboardLoadOptions {
  /** The repository root (cmd/, deploy/prometheus/rules/). */
  readonly projectRoot: string;
  readonly scenario: Scenario;
  readonly kafka: LocalKafkaOptions;
  readonly scrapeIntervalSeconds: number;
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface DashboardLoad {
  /** `http://127.0.0.1:<port>` */
  readonly prometheusUrl: string;
  /** Unix seconds: 0 s of the scenario, and its end. */
  readonly startedAt: number;
  readonly endedAt: number;
}

interface Stack {
  readonly brokers: string[];
  readonly topic: string;
  readonly sink: SmtpSink;
  readonly fallback: SmtpSink;
  readonly redisPort: number;
  readonly httpPorts: ReadonlyMap<string, number>;
  readonly producer: Producer;
  readonly services: ServiceProcess[];
}

function redisServer(port: number, logFile: string, signal?: AbortSignal): Promise<Daemon> {
  return startDaemon({
    command: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    logFile,
    what: 'redis-server (Debian package redis-server, deploy/ci-packages.txt)',
    ready: () => canConnect(port),
    signal,
  });
}

async function startPod(o: DashboardLoadOptions, stack: Stack, pod: string): Promise<void> {
  const port = stack.httpPorts.get(pod) as number;
  const service = spawnService({
    projectRoot: o.projectRoot,
    entry: 'source',
    logFile: path.join(o.projectRoot, '.local', 'dashboard', `${pod}.log`),
    env: podEnvironment({
      brokers: stack.brokers,
      topic: stack.topic,
      primaryPort: stack.sink.port,
      fallbackPort: stack.fallback.port,
      redisPort: stack.redisPort,
      httpPort: port,
    }),
  });
  stack.services.push(service);
  await waitForReady({ url: `http://127.0.0.1:${port}/readyz`, exited: service.exited, timeoutMs: 60_000, signal: o.signal });
  o.log(`${pod} ready (pid ${service.pid}, metrics on :${port})`);
}

export async function withDashboardLoad<T>(o: DashboardLoadOptions, use: (load: DashboardLoad) => Promise<T>): Promise<T> {
  if (!existsSync(PROMETHEUS_BINARY)) throw new Error(`${PROMETHEUS_BINARY} not found: install Debian's prometheus package (deploy/ci-packages.txt)`);
  const { scenario, log, signal } = o;
  const entries = timeline(scenario);
  const workDir = path.join(o.projectRoot, '.local', 'dashboard');
  const pods = scenarioPods(scenario);
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const kafka = await ensureKafka({ ...o.kafka, signal, log });
    cleanup.push(() => kafka.stop());
    // A broker started here has no data (fresh), so the topic gets its usual name; on a reused one a
    // fresh topic of its own keeps earlier runs' events and commits out of the picture.
    const runId = Date.now().toString(36);
    const topic = kafka.startedHere ? 'user-signups' : `user-signups-${runId}`;
    await createTopics({
      brokers: kafka.brokers,
      topics: [
        { name: topic, partitions: 6 },
        { name: `${topic}.dlq`, partitions: 6 },
        { name: `${topic}.receipts`, partitions: 6 },
      ],
      signal,
    });
    const sink = await startSmtpSink({ store: false, trackIds: false });
    cleanup.push(() => sink.stop());
    const fallback = await startSmtpSink({ store: false, trackIds: false });
    cleanup.push(() => fallback.stop());
    const redisPort = await freePort();
    let redis = await redisServer(redisPort, path.join(workDir, 'redis.log'), signal);
    cleanup.push(() => redis.stop());
    const httpPorts = new Map<string, number>();
    for (const pod of pods) httpPorts.set(pod, await freePort());
    const prometheus = await startPrometheus({
      dir: path.join(workDir, 'prometheus'),
      port: await freePort(),
      config: prometheusConfig({
        scrapeIntervalSeconds: o.scrapeIntervalSeconds,
        ruleFiles: [path.join(o.projectRoot, 'deploy', 'prometheus', 'rules', 'email-dispatcher.yml')],
        targets: pods.map((pod) => ({ address: `127.0.0.1:${httpPorts.get(pod)}`, labels: { namespace: NAMESPACE, pod } })),
      }),
      signal,
    });
    cleanup.push(() => prometheus.stop());
    log(`Prometheus on ${prometheus.url}, scraping ${pods.join(', ')} every ${o.scrapeIntervalSeconds} s`);

    const producer = new Kafka({ clientId: 'dashboard-load', brokers: kafka.brokers, logLevel: logLevel.NOTHING }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    const services: ServiceProcess[] = [];
    const stack: Stack = { brokers: kafka.brokers, topic, sink, fallback, redisPort, httpPorts, producer, services };
    cleanup.push(() => Promise.all(services.map((s) => s.stop(15_000))));
    await startPod(o, stack, scenario.firstPod);
    await producer.connect();
    cleanup.push(() => producer.disconnect());

    const stopProducing = new AbortController();
    cleanup.push(async () => stopProducing.abort());
    const startedAt = Date.now() / 1000;
    const producing = produceEvents({
      producer,
      topic,
      runId,
      count: scenario.eventsPerSecond * scenario.endS,
      rate: scenario.eventsPerSecond,
      eventBytes: 1_500,
      users: 100_000,
      signal: AbortSignal.any([stopProducing.signal, ...(signal ? [signal] : [])]),
    });
    // Awaited after the scenario; a failure before then must not count as unhandled.
    producing.catch(() => undefined);
    log(`producing ${scenario.eventsPerSecond} events/s for ${scenario.endS} s`);

    const joining: Array<Promise<void>> = [];
    const act = async ({ step, edge }: TimelineEntry): Promise<void> => {
      const start = edge === 'start';
      switch (step.kind) {
        case 'scale-out': {
          // Joining takes seconds; the scenario goes on meanwhile.
          const joined = startPod(o, stack, step.pod);
          joined.catch(() => undefined);
          joining.push(joined);
          return;
        }
        case 'invalid-events':
          await producer.send({
            topic,
            acks: -1,
            messages: Array.from({ length: step.count }, (_, i) => ({ key: `invalid-${i}`, value: `not a sign-up event ${i}` })),
          });
          return;
        case 'smtp-4xx':
          return sink.setFailureRate(start ? { transient: step.transient, permanent: step.permanent } : {});
        case 'ledger-outage':
          if (start) return redis.stop();
          redis = await redisServer(redisPort, path.join(workDir, 'redis.log'), signal);
          return;
        case 'primary-relay-outage':
          return sink.setDown(start, 'refuse');
        case 'smtp-outage':
          await Promise.all([sink.setDown(start, 'refuse'), fallback.setDown(start, 'refuse')]);
          return;
      }
    };
    const at = (seconds: number): Promise<void> => sleep(Math.max(0, (startedAt + seconds) * 1000 - Date.now()), signal);
    for (const entry of entries) {
      await at(entry.atS);
      log(`${elapsedLabel(entry.atS)} ${entry.edge === 'start' ? '▶' : '■'} ${stepLabel(entry.step)}`);
      await act(entry);
    }
    await Promise.all(joining);
    await at(scenario.endS);
    const endedAt = Date.now() / 1000;
    stopProducing.abort();
    await producing.catch((error: unknown) => {
      if (!stopProducing.signal.aborted) throw error;
    });
    // The last scrape and rule evaluation of the window.
    await sleep(2_000 * o.scrapeIntervalSeconds, signal);
    log(`load done: emails accepted ${sink.count} by the primary relay and ${fallback.count} by the fallback, ${sink.rejected + fallback.rejected} refused`);
    return await use({ prometheusUrl: prometheus.url, startedAt, endedAt });
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  }
}
