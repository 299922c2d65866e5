import { Kafka, logLevel, type Consumer } from 'kafkajs';
import nodemailer from 'nodemailer';
import PQueue from 'p-queue';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createApp } from '../src/app.js';
import type { Mailer } from '../src/delivery/mailer.js';
import { smtpTransportOptions } from '../src/delivery/mailer.js';
import { renderWelcomeEmail } from '../src/delivery/render-welcome-email.js';
import { parseEvent } from '../src/intake/parse-event.js';
import { loadConfig } from '../src/platform/config.js';
import { signupFixture } from '../src/loadtest/signup-fixture.js';

/** A running variant; `stop()` ends it. Deliveries are counted by the sink. */
export interface Running {
  stop(): Promise<void>;
}

export interface VariantContext {
  readonly brokers: string[];
  readonly topic: string;
  readonly smtpPort: number;
  readonly concurrency: number;
  readonly partitions: number;
}

const FROM = { from: 'Bench <welcome@bench.test>', domain: 'bench.test' };

function transport(port: number, connections: number) {
  return nodemailer.createTransport(smtpTransportOptions({ host: '127.0.0.1', port, secure: false, requireTls: false, tlsRejectUnauthorized: false, user: '', pass: '', timeoutMs: 30_000, connections }));
}

function mailFrom(value: Buffer | null) {
  const parsed = parseEvent(value);
  if (!parsed.ok) throw new Error(parsed.error);
  const m = renderWelcomeEmail(parsed.event, FROM);
  return { from: m.from, to: m.to, subject: m.subject, text: m.text, html: m.html, messageId: m.messageId };
}

/** B0: the ceiling — a nodemailer pool fed by a p-queue of the same concurrency, no Kafka. */
export async function rawSend(ctx: VariantContext): Promise<Running> {
  const pool = transport(ctx.smtpPort, ctx.concurrency);
  const queue = new PQueue({ concurrency: ctx.concurrency });
  let stopped = false;
  let i = 0;
  const feed = async () => {
    while (!stopped) {
      await queue.onSizeLessThan(ctx.concurrency);
      const { value } = signupFixture('b0', i++);
      void queue.add(() => pool.sendMail(mailFrom(Buffer.from(value))).catch(() => {}));
    }
  };
  const feeding = feed();
  return {
    async stop() {
      stopped = true;
      await feeding;
      queue.clear();
      await queue.onIdle();
      pool.close();
    },
  };
}

async function kafkaConsumer(ctx: VariantContext, group: string): Promise<Consumer> {
  const kafka = new Kafka({ clientId: group, brokers: ctx.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: group });
  await consumer.connect();
  await consumer.subscribe({ topic: ctx.topic, fromBeginning: true });
  return consumer;
}

/** B1 / B1′: KafkaJS eachMessage awaiting each send (autocommit), optionally partitions in parallel. */
export async function naiveConsumer(ctx: VariantContext, { parallelPartitions }: { parallelPartitions: boolean }): Promise<Running> {
  const pool = transport(ctx.smtpPort, ctx.concurrency);
  const consumer = await kafkaConsumer(ctx, `bench-naive-${Date.now()}-${Math.random()}`);
  await consumer.run({
    partitionsConsumedConcurrently: parallelPartitions ? ctx.partitions : 1,
    eachMessage: async ({ message }) => {
      await pool.sendMail(mailFrom(message.value)).catch(() => {});
    },
  });
  return {
    async stop() {
      await consumer.disconnect();
      pool.close();
    },
  };
}

/** Ours: the real service, in-process, `concurrency` workers. `mailer` replaces SMTP (Kafka-only drain). */
export async function ours(ctx: VariantContext, { mailer, buffer }: { mailer?: Mailer; buffer?: number } = {}): Promise<Running & { sent(): Promise<number> }> {
  const config = loadConfig({
    KAFKA_BROKERS: ctx.brokers.join(','),
    KAFKA_TOPIC: ctx.topic,
    KAFKA_DLQ_TOPIC: `${ctx.topic}.dlq`,
    KAFKA_GROUP_ID: `bench-ours-${Date.now()}-${Math.random()}`,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(ctx.smtpPort),
    EMAIL_FROM: FROM.from,
    EMAIL_WORKER_COUNT: String(ctx.concurrency),
    EMAIL_WORKER_BUFFER: String(buffer ?? Math.max(100, ctx.concurrency * 4)),
    HTTP_PORT: '0',
    SHUTDOWN_TIMEOUT_MS: '2000',
  });
  const registry = new Registry();
  const app = createApp({ config, logger: pino({ level: 'error' }), registry, httpHost: '127.0.0.1', ...(mailer ? { mailer } : {}) });
  await app.start();
  return {
    async stop() {
      await app.stop();
    },
    async sent() {
      return (await app.metrics.sent.get()).values[0]?.value ?? 0;
    },
  };
}

export const noopMailer: Mailer = { send: async () => {}, verify: async () => {}, close: () => {} };
