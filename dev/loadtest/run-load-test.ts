import path from 'node:path';

import { Kafka, type KafkaConfig, logLevel, Partitioners } from 'kafkajs';

import { sleep } from '../../src/platform/sleep.js';
import { type ServiceProcess, spawnService } from '../service-process.js';
import { committedLag, watchDlq } from './dlq-watch.js';
import { freePort } from './free-port.js';
import { Ledger, reconcileExternal, type Reconciliation } from './ledger.js';
import { type LedgerSink, startLedgerSink } from './ledger-sink.js';
import type { LoadTestFlags } from './load-test-options.js';
import { type MemoryReport, type MemorySampler, startMemorySampler } from './memory-sampler.js';
import { produceEvents } from './produce-events.js';
import { eventIdPrefix } from './signup-fixture.js';
import { perSecond, steadyRate } from './throughput-series.js';
import { waitForReady, waitUntil } from './wait.js';

export interface RunLoadTestOptions extends Omit<LoadTestFlags, 'local' | 'json'> {
  /** Brokers, TLS and SASL for the load test's own clients (`kafkaClientConfig` of the service). */
  readonly kafka: KafkaConfig;
  readonly projectRoot: string;
  /** Environment of a spawned service on top of what the load test sets (e.g. KAFKA_SSL*, KAFKA_SASL*). */
  readonly serviceEnv?: Readonly<Record<string, string>>;
  /** A late duplicate has this long to show up after the last event settled. @default 1500 */
  readonly graceMs?: number;
  readonly onProgress?: (state: { produced: number; settled: number; total: number }) => void;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface LoadTestResult extends Reconciliation {
  readonly runId: string;
  readonly topic: string;
  readonly dlqTopic: string;
  readonly groupId: string;
  readonly mode: { readonly smtp: 'sink' | 'external'; readonly service: 'spawned' | 'running' };
  /** External SMTP without --expect-delivered: `delivered` is produced − dead-lettered, not observed. */
  readonly deliveredInferred: boolean;
  readonly produceSeconds: number;
  /** From the first event handed to the producer to the last one settled. */
  readonly seconds: number;
  readonly throughputPerSecond: number;
  /** Events settled (delivered or dead-lettered) in each second since the first was produced. */
  readonly perSecond: readonly number[];
  /** Median of `perSecond` without ramp-up and drained tail. */
  readonly steadyPerSecond: number | undefined;
  readonly memory: MemoryReport;
  readonly smtpInjected: { readonly transient: number; readonly permanent: number } | undefined;
  readonly timedOut: boolean;
  readonly serviceExitCode: number | undefined;
  readonly serviceLog: string | undefined;
}

/** Produces, lets the service deliver or dead-letter every event, and reconciles the ledger. */
export async function runLoadTest(o: RunLoadTestOptions): Promise<LoadTestResult> {
  const log = o.log ?? (() => {});
  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`;
  const prefix = eventIdPrefix(runId);
  const topic = o.topic ?? `loadtest-${runId}`;
  const dlqTopic = o.dlqTopic ?? `${topic}.dlq`;
  const groupId = o.service.groupId ?? `${topic}.dispatcher`;
  const kafka = new Kafka({ ...o.kafka, clientId: `load-test-${runId}`, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const ledger = new Ledger();
  const cleanup: Array<() => Promise<unknown>> = [];
  let sink: LedgerSink | undefined;
  let service: ServiceProcess | undefined;
  let sampler: MemorySampler | undefined;
  let memory: MemoryReport = { source: 'none', peakRssMiB: undefined, heapUsedMiB: { early: undefined, late: undefined, max: undefined }, samples: [] };
  let serviceExitCode: number | undefined;
  const serviceLog = o.service.kind === 'spawn' ? path.join(o.projectRoot, '.local', 'load-test', `service-${runId}.log`) : undefined;
  let dlqSeen = 0;
  try {
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    if (o.topic === undefined) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic, numPartitions: o.partitions },
          { topic: dlqTopic, numPartitions: o.partitions },
        ],
      });
      log(`created topics ${topic} and ${dlqTopic} (${o.partitions} partitions)`);
    }
    if (o.smtp.kind === 'sink') {
      sink = await startLedgerSink({ ledger, ...o.smtp });
      const s = sink.sink;
      cleanup.push(() => s.stop());
      log(`SMTP sink on 127.0.0.1:${s.port}: latency ${o.smtp.latencyMs} ms, ${o.smtp.transientRate * 100} % 451, ${o.smtp.permanentRate * 100} % 550`);
    }
    const dlq = await watchDlq({
      kafka,
      admin,
      topic: dlqTopic,
      groupId: `load-test-dlq-${runId}`,
      fromBeginning: o.topic === undefined,
      onRecord: ({ eventId, reason, at }) => {
        // A long-lived DLQ holds other runs' and real events: only this run's count.
        if (eventId?.startsWith(prefix)) {
          dlqSeen += 1;
          ledger.deadLettered(eventId, reason, at);
        }
      },
    });
    cleanup.push(() => dlq.stop());

    if (o.service.kind === 'spawn') {
      const httpPort = await freePort();
      const smtpEnv =
        o.smtp.kind === 'sink' ? { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(sink?.sink.port) } : { SMTP_HOST: o.smtp.host, SMTP_PORT: String(o.smtp.port) };
      service = spawnService({
        projectRoot: o.projectRoot,
        entry: o.service.entry,
        nodeArgs: o.service.nodeArgs,
        logFile: serviceLog as string,
        env: {
          EMAIL_FROM: 'Load Test <welcome@load.test>',
          LOG_LEVEL: 'warn',
          ...o.serviceEnv,
          ...smtpEnv,
          KAFKA_BROKERS: Array.isArray(o.kafka.brokers) ? o.kafka.brokers.join(',') : '',
          KAFKA_TOPIC: topic,
          KAFKA_DLQ_TOPIC: dlqTopic,
          KAFKA_GROUP_ID: groupId,
          EMAIL_WORKER_COUNT: String(o.service.workers),
          EMAIL_WORKER_BUFFER: String(o.service.buffer),
          HTTP_PORT: String(httpPort),
        },
      });
      const s = service;
      cleanup.push(() => s.stop());
      log(`service started (pid ${s.pid}, ${o.service.workers} workers, buffer ${o.service.buffer}); log ${serviceLog}`);
      await waitForReady({ url: `http://127.0.0.1:${httpPort}/readyz`, exited: s.exited, timeoutMs: 90_000, ...(o.signal ? { signal: o.signal } : {}) });
      sampler = startMemorySampler({ pid: s.pid, metricsUrl: `http://127.0.0.1:${httpPort}/metrics` });
    } else if (o.service.metricsUrl) {
      sampler = startMemorySampler({ metricsUrl: o.service.metricsUrl });
    }

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    let produced = 0;
    let firstAt: number | undefined;
    // Against an external server only the service's committed offsets tell how far it got.
    let committed: number | undefined;
    const settledSoFar = () => committed ?? ledger.settled;
    const progress = setInterval(() => o.onProgress?.({ produced, settled: settledSoFar(), total: o.events }), 500);
    cleanup.push(async () => clearInterval(progress));
    const deadline = Date.now() + o.timeoutMs;
    const { seconds: produceSeconds } = await produceEvents({
      producer,
      topic,
      runId,
      count: o.events,
      rate: o.rate,
      eventBytes: o.eventBytes,
      users: o.users,
      onSending: (ids, at) => {
        firstAt ??= at;
        for (const id of ids) ledger.produced(id, at);
      },
      onSent: (n) => (produced = n),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    log(`produced ${o.events} events to ${topic} in ${produceSeconds.toFixed(1)} s`);

    const done =
      o.smtp.kind === 'sink'
        ? async () => ledger.settled >= o.events
        : async () => {
            const lag = await committedLag(admin, groupId, topic);
            committed = Math.max(0, produced - lag);
            return lag === 0 && (await dlq.caughtUp());
          };
    const finished = await waitUntil(done, { deadline, everyMs: o.smtp.kind === 'sink' ? 100 : 1000, ...(o.signal ? { signal: o.signal } : {}) });
    const endAt = o.smtp.kind === 'sink' ? ledger.settleTimes().reduce((max, t) => Math.max(max, t), firstAt ?? 0) : Date.now();
    if (finished && o.smtp.kind === 'sink') await sleep(o.graceMs ?? 1500);
    o.onProgress?.({ produced, settled: settledSoFar(), total: o.events });
    memory = (await sampler?.stop()) ?? memory;
    sampler = undefined;
    serviceExitCode = await service?.stop();

    const start = firstAt ?? Date.now();
    const seconds = Math.max(0.001, (endAt - start) / 1000);
    const books =
      o.smtp.kind === 'sink'
        ? { ...ledger.reconcile(), deliveredInferred: false }
        : reconcileExternal({
            produced: ledger.producedCount,
            deadLettered: dlqSeen,
            deadLetteredByReason: ledger.reconcile().deadLetteredByReason,
            expectDelivered: o.smtp.expectDelivered,
          });
    // Unsettled at the deadline: lost as far as this run can tell.
    const lost = finished ? books.lost : Math.max(books.lost, o.events - ledger.settled);
    const series = o.smtp.kind === 'sink' ? perSecond(ledger.settleTimes(), start, endAt + 999) : [];
    return {
      ...books,
      lost,
      runId,
      topic,
      dlqTopic,
      groupId,
      mode: { smtp: o.smtp.kind, service: o.service.kind === 'spawn' ? 'spawned' : 'running' },
      produceSeconds,
      seconds,
      throughputPerSecond: (books.delivered + books.deadLettered) / seconds,
      perSecond: series,
      steadyPerSecond: steadyRate(series),
      memory,
      smtpInjected: sink ? { ...sink.injected } : undefined,
      timedOut: !finished,
      serviceExitCode,
      serviceLog,
    };
  } finally {
    await sampler?.stop();
    // Reverse order: service first (it still sends to the sink), sink and clients last.
    for (const step of cleanup.reverse()) await step().catch(() => {});
  }
}
