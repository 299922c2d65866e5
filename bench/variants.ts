import { Kafka, logLevel } from 'kafkajs';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import PQueue from 'p-queue';
import { pino } from 'pino';
import { Registry } from 'prom-client';

import { signupFixture } from '../dev/loadtest/signup-fixture.js';
import { createApp } from '../src/app.js';
import { renderWelcomeEmail } from '../src/email/render-welcome-email.js';
import { parseEvent } from '../src/intake/parse-event.js';
import { loadConfig } from '../src/platform/config/config.js';
import { type Mailer, smtpTransportOptions } from '../src/smtp/mailer.js';
import { stubPrepared } from '../test/support/stub-prepared.js';

export type VariantName = 'B0' | 'B1' | "B1'" | 'ours' | 'B0pre';
/** The variants a run compares, in report order. B0pre is B0 with each message composed before it takes a connection, as ours does. */
export const VARIANTS: readonly VariantName[] = ['B0', 'B0pre', 'B1', "B1'", 'ours'];

/** A running variant; `stop()` ends it. Deliveries are counted by the sink. */
export interface Running {
  stop(): Promise<void>;
  /** The service's own counters (ours only): emails sent, offset commits. */
  counters?(): Promise<{ sent: number; commits: number }>;
}

export interface VariantContext {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly smtpPort: number;
  readonly concurrency: number;
  readonly partitions: number;
}

/** The sender every variant's emails come from. */
export const FROM = { from: 'Bench <welcome@bench.test>', domain: 'bench.test' };

/** The pooled transport every variant uses: the service's own options (one connection per worker). */
export function benchTransport(port: number, connections: number) {
  return nodemailer.createTransport(
    smtpTransportOptions({
      host: '127.0.0.1',
      port,
      secure: false,
      requireTls: false,
      tlsRejectUnauthorized: false,
      user: '',
      pass: '',
      timeoutMs: 30_000,
      connections,
    }),
  );
}

/** What every variant does per message besides sending: parse the event and render the email. */
export function mailFor(value: Buffer | null) {
  const parsed = parseEvent(value);
  if (!parsed.ok) throw new Error(parsed.error);
  const m = renderWelcomeEmail(parsed.event, FROM);
  return { from: m.from, to: m.to, subject: m.subject, text: m.text, html: m.html, messageId: m.messageId };
}

/**
 * B0, the ceiling: a nodemailer pool fed by a p-queue of the same concurrency; no Kafka.
 *
 * With `composeAhead` (B0pre) each message is compiled to its RFC 5322 bytes (nodemailer's
 * MailComposer, four feeders) *before* it is handed to the pool, so a connection is held only for the
 * SMTP exchange; `sendMail` otherwise composes a message lazily, after the pool gave it a connection.
 * Ours composes ahead too (with its own builder), so B0pre is the Kafka-free sender to hold it against.
 */
export async function rawSend(ctx: VariantContext, { composeAhead = false }: { composeAhead?: boolean } = {}): Promise<Running> {
  // Values made up front (as Kafka would hand them over) and cycled; parsing and rendering stay per message.
  const values = Array.from({ length: 2_000 }, (_, i) => Buffer.from(signupFixture('b0', i).value));
  const pool = benchTransport(ctx.smtpPort, ctx.concurrency);
  const queue = new PQueue({ concurrency: ctx.concurrency });
  const composed = async (value: Buffer): Promise<Mail.Options> => {
    const mail = mailFor(value);
    const raw = await new MailComposer({ ...mail, disableFileAccess: true, disableUrlAccess: true }).compile().build();
    return { envelope: { from: 'welcome@bench.test', to: [mail.to.address] }, raw };
  };
  let stopped = false;
  const feed = async () => {
    for (let i = 0; !stopped; i += 1) {
      await queue.onSizeLessThan(ctx.concurrency);
      const value = values[i % values.length] as Buffer;
      if (composeAhead) {
        const next = await composed(value);
        void queue.add(() => pool.sendMail(next).catch(() => {}));
      } else {
        // B0 parses, renders and (inside sendMail) composes in the worker slot, as a plain sender does.
        void queue.add(() => pool.sendMail(mailFor(value)).catch(() => {}));
      }
    }
  };
  const feeding = Promise.all(Array.from({ length: composeAhead ? 4 : 1 }, feed));
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

/** B1 / B1′: KafkaJS `eachMessage` awaiting each send (auto-commit), one partition at a time or all at once. */
export async function naiveConsumer(ctx: VariantContext, { parallelPartitions }: { parallelPartitions: boolean }): Promise<Running> {
  const pool = benchTransport(ctx.smtpPort, ctx.concurrency);
  const groupId = `bench-naive-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const consumer = new Kafka({ clientId: groupId, brokers: [...ctx.brokers], logLevel: logLevel.NOTHING }).consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topic: ctx.topic, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: parallelPartitions ? ctx.partitions : 1,
    eachMessage: async ({ message }) => {
      await pool.sendMail(mailFor(message.value)).catch(() => {});
    },
  });
  return {
    async stop() {
      await consumer.disconnect();
      pool.close();
    },
  };
}

/** The service's configuration for a bench run of ours: `concurrency` workers, a fresh group on `topic`. */
export function oursConfig(ctx: VariantContext, buffer = oursBuffer(ctx.concurrency)) {
  return loadConfig({
    KAFKA_BROKERS: ctx.brokers.join(','),
    KAFKA_TOPIC: ctx.topic,
    KAFKA_DLQ_TOPIC: `${ctx.topic}.dlq`,
    KAFKA_GROUP_ID: `bench-ours-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(ctx.smtpPort),
    EMAIL_FROM: FROM.from,
    EMAIL_WORKER_COUNT: String(ctx.concurrency),
    EMAIL_WORKER_BUFFER: String(buffer),
    HTTP_PORT: '0',
    SHUTDOWN_TIMEOUT_MS: '2000',
    // Tracing on for a run when the shell sets OTEL_* (BENCHMARKS.md, "Tracing on and off").
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('OTEL_'))),
  });
}

/** Ours: the real service in-process (createApp), `concurrency` workers. `mailer` replaces SMTP (Kafka-only drain). */
export async function ours(
  ctx: VariantContext,
  { mailer, buffer }: { mailer?: Mailer; buffer?: number } = {},
): Promise<Running & Required<Pick<Running, 'counters'>>> {
  const config = oursConfig(ctx, buffer);
  const registry = new Registry();
  const app = createApp({ config, logger: pino({ level: 'error' }), registry, httpHost: '127.0.0.1', ...(mailer ? { mailer } : {}) });
  await app.start();
  const value = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
  return {
    async stop() {
      await app.stop();
    },
    counters: async () => ({ sent: await value('email_dispatcher_emails_sent_total'), commits: await value('email_dispatcher_offset_commits_total') }),
  };
}

/** EMAIL_WORKER_BUFFER for ours at concurrency C: 4 × C, at least the default 100. */
export function oursBuffer(concurrency: number): number {
  return Math.max(100, 4 * concurrency);
}

export function startVariant(name: VariantName, ctx: VariantContext): Promise<Running> {
  switch (name) {
    case 'B0':
      return rawSend(ctx);
    case 'B1':
      return naiveConsumer(ctx, { parallelPartitions: false });
    case "B1'":
      return naiveConsumer(ctx, { parallelPartitions: true });
    case 'ours':
      return ours(ctx);
    case 'B0pre':
      return rawSend(ctx, { composeAhead: true });
    default: {
      const never: never = name;
      throw new Error(`unknown variant ${String(never)}`);
    }
  }
}

/** A mailer that accepts at once and counts: the Kafka-only drain. */
export function countingNoopMailer(): Mailer & { readonly sent: number } {
  let sent = 0;
  return {
    get sent() {
      return sent;
    },
    prepare: async (mail) => stubPrepared(mail),
    send: async () => void (sent += 1),
    verify: async () => {},
    close: () => {},
  };
}
