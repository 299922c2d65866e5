import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, Partitioners, type KafkaConfig } from 'kafkajs';
import { startSmtpSink } from '../../dev/smtp-sink.js';
import { Ledger, type Reconciliation } from './ledger.js';
import { median } from './percentile.js';
import { eventIdFromMessageId, signupFixture } from './signup-fixture.js';

export interface LoadTestOptions {
  readonly kafka: KafkaConfig;
  readonly events: number;
  /** Events per second; 0 = as fast as the producer goes. */
  readonly rate: number;
  readonly partitions: number;
  readonly workers: number;
  readonly buffer: number;
  readonly eventBytes: number;
  readonly timeoutMs: number;
  /** The load test's own SMTP sink: latency per mail and the share of 4xx / 5xx answers. */
  readonly sink: { readonly port?: number; readonly latencyMs: number; readonly transientRate: number; readonly permanentRate: number };
  /** Start the service as a child process against the sink (measures its peak RSS). */
  readonly spawnService: boolean;
  /** Existing topics of an already-running service (then nothing is created); default: fresh ones. */
  readonly topic?: string;
  readonly dlqTopic?: string;
  readonly projectRoot: string;
  readonly extraServiceEnv?: Record<string, string>;
  readonly onProgress?: (state: { produced: number; settled: number; total: number }) => void;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface LoadTestResult extends Reconciliation {
  readonly topic: string;
  readonly seconds: number;
  readonly throughputPerSecond: number;
  /** Settled messages per second, one sample a second. */
  readonly perSecond: number[];
  /** Median of the non-idle per-second samples: steady-state throughput. */
  readonly medianPerSecond: number | undefined;
  readonly peakRssMiB: number | undefined;
  readonly timedOut: boolean;
}

function peakRssMiB(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** Produces, lets the service deliver, and reconciles the ledger. The caller owns the sink. */
export async function runLoadTest(o: LoadTestOptions): Promise<LoadTestResult> {
  const log = o.log ?? (() => {});
  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
  const topic = o.topic ?? `loadtest-${runId}`;
  const dlqTopic = o.dlqTopic ?? `${topic}.dlq`;
  const kafka = new Kafka({ ...o.kafka, clientId: `load-test-${runId}`, logLevel: logLevel.NOTHING });
  if (!o.topic) {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: o.partitions }, { topic: dlqTopic, numPartitions: o.partitions }] });
    await admin.disconnect();
  }

  const ledger = new Ledger();
  const sink = await startSmtpSink({
    port: o.sink.port ?? 0,
    latencyMs: o.sink.latencyMs,
    store: false,
    trackIds: false,
    onMail: (mail) => {
      const id = eventIdFromMessageId(mail.messageId);
      if (id) ledger.delivered(id, mail.receivedAt.getTime());
    },
  });
  sink.setFailureRate({ transient: o.sink.transientRate, permanent: o.sink.permanentRate });
  log(`SMTP sink on 127.0.0.1:${sink.port} (latency ${o.sink.latencyMs} ms, ${o.sink.transientRate * 100}% 4xx, ${o.sink.permanentRate * 100}% 5xx)`);

  const dlq = kafka.consumer({ groupId: `${topic}.reader`, maxWaitTimeInMs: 200 });
  await dlq.connect();
  // A fresh DLQ topic is read from its start; an existing one only from now on.
  await dlq.subscribe({ topic: dlqTopic, fromBeginning: !o.topic });
  await dlq.run({
    eachMessage: async ({ message }) => {
      const match = /"eventId"\s*:\s*"([^"]+)"/.exec(message.value?.toString('utf8') ?? '');
      if (match?.[1]) ledger.deadLettered(match[1]);
    },
  });

  let service: ChildProcess | undefined;
  let serviceExit: Promise<unknown> = Promise.resolve();
  if (o.spawnService) {
    const built = path.join(o.projectRoot, 'dist', 'cmd', 'service.js');
    const args = existsSync(built) ? [built] : ['--import', 'tsx', path.join(o.projectRoot, 'cmd', 'service.ts')];
    service = spawn(process.execPath, args, {
      cwd: o.projectRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        KAFKA_BROKERS: o.kafka.brokers instanceof Array ? o.kafka.brokers.join(',') : '',
        KAFKA_TOPIC: topic,
        KAFKA_DLQ_TOPIC: dlqTopic,
        KAFKA_GROUP_ID: `${topic}.dispatcher`,
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(sink.port),
        EMAIL_FROM: 'Load Test <welcome@load.test>',
        EMAIL_WORKER_COUNT: String(o.workers),
        EMAIL_WORKER_BUFFER: String(o.buffer),
        EMAIL_RETRY_DELAYS_MS: '1000,5000,10000',
        HTTP_PORT: '0',
        LOG_LEVEL: 'warn',
        ...o.extraServiceEnv,
      },
    });
    serviceExit = new Promise((resolve) => service?.once('exit', resolve));
    log(`service started (pid ${service.pid}) with ${o.workers} workers, buffer ${o.buffer}`);
  }

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const started = Date.now();
  const perSecond: number[] = [];
  let lastSettled = 0;
  let timedOut = false;
  let sampledRss: number | undefined;
  let finished = started;
  const sampler = setInterval(() => {
    const settled = ledger.settled;
    perSecond.push(settled - lastSettled);
    lastSettled = settled;
    sampledRss = peakRssMiB(service?.pid) ?? sampledRss;
    o.onProgress?.({ produced: ledger.producedCount, settled, total: o.events });
  }, 1000);
  try {
    const batch = o.rate > 0 ? Math.max(1, Math.min(500, Math.floor(o.rate / 10))) : 500;
    for (let i = 0; i < o.events; i += batch) {
      o.signal?.throwIfAborted();
      const tick = Date.now();
      const messages = Array.from({ length: Math.min(batch, o.events - i) }, (_, j) => signupFixture(runId, i + j, { bytes: o.eventBytes }));
      await producer.send({ topic, acks: -1, messages: messages.map(({ key, value }) => ({ key, value })) });
      const at = Date.now();
      for (const m of messages) ledger.produced(m.eventId, at);
      if (o.rate > 0) await new Promise((r) => setTimeout(r, Math.max(0, (batch / o.rate) * 1000 - (Date.now() - tick))));
    }
    await producer.disconnect();
    log(`produced ${o.events} events to ${topic}`);
    const deadline = started + o.timeoutMs;
    while (ledger.settled < o.events) {
        if (Date.now() > deadline || o.signal?.aborted) {
        timedOut = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    finished = Date.now();
  } finally {
    clearInterval(sampler);
    // Give late duplicates a moment to show, then stop the service gracefully.
    await new Promise((r) => setTimeout(r, 1500));
    sampledRss = peakRssMiB(service?.pid) ?? sampledRss;
    service?.kill('SIGTERM');
    await serviceExit;
    await dlq.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    await sink.stop();
  }
  const seconds = (finished - started) / 1000;
  const result = ledger.reconcile();
  return {
    ...result,
    topic,
    seconds,
    throughputPerSecond: (result.delivered + result.deadLettered) / seconds,
    medianPerSecond: median(perSecond.filter((n) => n > 0)),
    perSecond,
    peakRssMiB: sampledRss,
    timedOut,
  };
}
