import { randomUUID } from 'node:crypto';

import { type Admin, type IHeaders, Kafka, logLevel, type Producer } from 'kafkajs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, inject } from 'vitest';

import { signupEvent } from '../../dev/signup-event.js';
import { type SmtpSink, type SmtpSinkOptions, startSmtpSink } from '../../dev/smtp-sink.js';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { whileRetriable } from './kafka.js';

/** One isolated world per test: its own topics, group and registry on the shared broker. */
export interface World {
  readonly brokers: string[];
  readonly topic: string;
  readonly dlqTopic: string;
  readonly groupId: string;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly producer: Producer;
  close(): Promise<void>;
}

/** A new world with fresh topics, or (`reuse`) new clients for an existing world's topics. */
export async function createWorld(brokers: string[], { partitions = 3, reuse }: { partitions?: number; reuse?: World } = {}): Promise<World> {
  const id = randomUUID().slice(0, 8);
  const topic = reuse?.topic ?? `signups-${id}`;
  const dlqTopic = `${topic}.dlq`;
  const kafka = new Kafka({ clientId: `test-${id}`, brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  if (!reuse)
    await createAndWaitForMetadata(admin, [topic, dlqTopic], () =>
      admin.createTopics({
        waitForLeaders: true,
        topics: [
          // The source topic takes values up to 3 MiB so oversize events reach the service; the DLQ keeps the broker default.
          { topic, numPartitions: partitions, configEntries: [{ name: 'max.message.bytes', value: String(3 * 1024 * 1024) }] },
          { topic: dlqTopic, numPartitions: 1 },
        ],
      }),
    );
  // Idempotent, so a retried send never writes an event twice (tests count duplicates).
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return {
    brokers,
    topic,
    dlqTopic,
    groupId: reuse?.groupId ?? `group-${id}`,
    kafka,
    admin,
    producer,
    async close() {
      await producer.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
    },
  };
}

export async function produceEvents(world: World, ids: string[], { partition }: { partition?: number } = {}): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    await world.producer.send({
      topic: world.topic,
      acks: -1,
      messages: ids
        .slice(i, i + 500)
        .map((id) => ({ key: `user-${id}`, value: JSON.stringify(signupEvent(id)), ...(partition === undefined ? {} : { partition }) })),
    });
  }
}

export async function produceRaw(
  world: World,
  messages: Array<{ key?: string | null; value: Buffer | string | null; headers?: IHeaders; partition?: number }>,
): Promise<void> {
  await world.producer.send({
    topic: world.topic,
    acks: -1,
    messages: messages.map((m) => ({
      key: m.key ?? null,
      value: m.value,
      headers: m.headers ?? {},
      ...(m.partition === undefined ? {} : { partition: m.partition }),
    })),
  });
}

/** Environment for a service under test (in-process or as a child process). */
export function serviceEnv(world: World, smtpPort: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: world.brokers.join(','),
    KAFKA_TOPIC: world.topic,
    KAFKA_DLQ_TOPIC: world.dlqTopic,
    KAFKA_GROUP_ID: world.groupId,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtpPort),
    EMAIL_FROM: 'Acme <welcome@acme.test>',
    HTTP_PORT: '0',
    LOG_LEVEL: 'warn',
    KAFKA_SESSION_TIMEOUT_MS: '10000',
    KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
    ...extra,
  };
}

/** Starts the service in-process; `logs` (if given) receives every log line, for secret-leak checks. */
export async function startApp(env: Record<string, string>, { logs }: { logs?: string[] } = {}): Promise<App> {
  const destination = logs ? { write: (line: string) => void logs.push(line) } : undefined;
  const logger = destination ? createLogger({ level: env.LOG_LEVEL ?? 'warn', destination }) : pino({ level: env.LOG_LEVEL ?? 'warn' });
  const app = createApp({ config: loadConfig(env), logger, registry: new Registry(), httpHost: '127.0.0.1' });
  await app.start();
  return app;
}

/** Committed offsets of the group vs the topic's end offsets, per partition. */
export async function committedLag(world: World, groupId = world.groupId): Promise<number> {
  const [committed] = await whileRetriable(() => world.admin.fetchOffsets({ groupId, topics: [world.topic] }), 10_000);
  const ends = await whileRetriable(() => world.admin.fetchTopicOffsets(world.topic), 10_000);
  let lag = 0;
  for (const end of ends) {
    const c = committed?.partitions.find((p) => p.partition === end.partition);
    const at = c && Number(c.offset) >= 0 ? Number(c.offset) : 0;
    lag += Number(end.high) - at;
  }
  return lag;
}

export interface DlqRecord {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Reads every record on the DLQ topic (from the beginning) with a throwaway group. */
export async function readDlq(world: World, { expect: count, timeoutMs = 20_000 }: { expect: number; timeoutMs?: number }): Promise<DlqRecord[]> {
  const consumer = world.kafka.consumer({ groupId: `dlq-reader-${randomUUID().slice(0, 8)}` });
  const records: DlqRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: world.dlqTopic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    void consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
        records.push({ key: message.key?.toString('utf8') ?? null, value: message.value, headers });
        if (records.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return records;
}

export async function until(predicate: () => boolean | Promise<boolean>, { timeoutMs = 30_000, everyMs = 50, what = 'condition' } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  const check = async () => {
    try {
      return await predicate();
    } catch (err) {
      // A broker that is still loading answers with retriable errors: keep polling.
      lastError = err;
      return false;
    }
  };
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function metricValue(app: App, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = app.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}

/**
 * Per-test world, SMTP sink and (optional) in-process app, created before and torn down after each
 * test of the calling file. Tests read and assign `ctx.world`, `ctx.sink`, `ctx.app`.
 */
export function useAppWorld({ partitions, sink }: { partitions?: number; sink?: SmtpSinkOptions } = {}) {
  const ctx = {} as { world: World; sink: SmtpSink; app: App | undefined };
  beforeEach(async () => {
    ctx.world = await createWorld(inject('kafkaBrokers'), partitions === undefined ? {} : { partitions });
    ctx.sink = await startSmtpSink(sink);
    ctx.app = undefined;
  });
  afterEach(async () => {
    await ctx.app?.stop();
    ctx.app = undefined;
    await ctx.sink.stop();
    await ctx.world.close();
  });
  return ctx;
}

/**
 * Creates the topics; when KafkaJS gives up waiting for their leaders on a loaded machine ("does not
 * host this topic-partition": the broker's metadata cache lags the controller), waits for their
 * metadata itself, up to 30 s.
 */
async function createAndWaitForMetadata(admin: Admin, topics: string[], create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
    return;
  } catch (err) {
    if ((err as { retriable?: boolean }).retriable !== true) throw err;
  }
  await whileRetriable(() => admin.fetchTopicMetadata({ topics }), 30_000);
}
