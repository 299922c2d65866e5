/**
 * npm run bench:diagnose -- <phases | ours | compose> [--latency-ms 50] [--concurrency 50] [--seconds 10]
 *
 * The measurements behind "What limits throughput" in BENCHMARKS.md, one command each:
 *   phases   a nodemailer pool against the dev sink timing each SMTP phase from its side (a child
 *            process, bench/phase-timing-process.ts): sendMail composing lazily vs messages
 *            composed ahead (nodemailer's composer and the service's). Prints emails/s, the client's
 *            turnaround after the final 250, and how long it takes to stream a message after 354.
 *   ours     the service (createApp) draining a fresh backlog into the bench sink: per second the
 *            rate, main-thread event-loop utilisation, sends in flight and queued, send() p50/p95
 *            and how long a setImmediate waits for its turn.
 *   compose  CPU per welcome email: nodemailer's MailComposer vs the service's composer.
 */
import { spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { pino } from 'pino';
import { Registry } from 'prom-client';

import { median, summarize } from '../dev/loadtest/percentile.js';
import { signupFixture } from '../dev/loadtest/signup-fixture.js';
import { ensureKafka, localKafkaOptionsFromEnv } from '../dev/local-kafka.js';
import { createApp } from '../src/app.js';
import { composeWelcomeEmail, composeWithNodemailer, type PreparedMail } from '../src/email/compose-welcome-email.js';
import { renderWelcomeEmail, type WelcomeEmail } from '../src/email/render-welcome-email.js';
import { parseEvent } from '../src/intake/parse-event.js';
import { sleep } from '../src/platform/sleep.js';
import { createSmtpMailer, type Mailer } from '../src/smtp/mailer.js';
import { createBacklog } from './backlog.js';
import type { PhaseSecond } from './phase-seconds.js';
import { startSinkThread } from './sink-thread.js';
import { benchTransport, FROM, oursConfig } from './variants.js';

setMaxListeners(10_000);
const { positionals, values: flags } = parseArgs({
  allowPositionals: true,
  options: { 'latency-ms': { type: 'string', default: '50' }, concurrency: { type: 'string', default: '50' }, seconds: { type: 'string', default: '10' } },
});
const latencyMs = Number(flags['latency-ms']);
const concurrency = Number(flags.concurrency);
const seconds = Number(flags.seconds);
const fmt = (x: number | undefined, digits = 1) => (x === undefined ? '—' : x.toFixed(digits));

function welcome(i: number): WelcomeEmail {
  const parsed = parseEvent(Buffer.from(signupFixture('diag', i).value));
  if (!parsed.ok) throw new Error(parsed.error);
  return renderWelcomeEmail(parsed.event, FROM);
}

async function phases(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('phase-timing-process.ts', import.meta.url)), String(latencyMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  let current: PhaseSecond[] = [];
  const port = await new Promise<number>((resolve) =>
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as { port?: number } & PhaseSecond;
      if (parsed.port) resolve(parsed.port);
      else current.push(parsed);
    }),
  );
  const modes: Array<[string, ((m: WelcomeEmail) => Promise<PreparedMail>) | undefined]> = [
    ['sendMail composes', undefined],
    ['composed ahead (nodemailer)', composeWithNodemailer],
    ['composed ahead (service)', composeWelcomeEmail],
  ];
  try {
    for (const [name, compose] of modes) {
      const pool = benchTransport(port, concurrency);
      const ready: PreparedMail[] = [];
      let stop = false;
      let n = 0;
      const build = async () => {
        while (!stop) {
          if (ready.length >= concurrency) await sleep(1);
          else ready.push(await (compose as (m: WelcomeEmail) => Promise<PreparedMail>)(welcome(n + ready.length)));
        }
      };
      const worker = async () => {
        while (!stop) {
          if (!compose) {
            const m = welcome(n);
            await pool.sendMail({ from: m.from, to: m.to, subject: m.subject, text: m.text, html: m.html, messageId: m.messageId });
          } else {
            const p = ready.shift();
            if (!p) {
              await new Promise((resolve) => setImmediate(resolve));
              continue;
            }
            await pool.sendMail({ envelope: p.envelope, raw: p.raw });
          }
          n += 1;
        }
      };
      const running = [...(compose ? Array.from({ length: 4 }, build) : []), ...Array.from({ length: concurrency }, worker)];
      await sleep(2_000);
      current = [];
      await sleep(seconds * 1_000);
      const window = current;
      stop = true;
      await Promise.all(running);
      pool.close();
      const rate = median(window.map((s) => s.accepted));
      const turn = median(window.flatMap((s) => (s.turnaroundMs.p50 === undefined ? [] : [s.turnaroundMs.p50])));
      const stream = median(window.flatMap((s) => (s.streamMs.p50 === undefined ? [] : [s.streamMs.p50])));
      console.log(
        `${name.padEnd(28)} ${fmt(rate, 0).padStart(5)} emails/s · after 250, next MAIL FROM p50 ${fmt(turn)} ms · 354 → end of message p50 ${fmt(stream)} ms`,
      );
    }
  } finally {
    child.kill('SIGTERM');
  }
}

async function ours(): Promise<void> {
  const brokers =
    process.env.KAFKA_BROKERS?.split(',') ?? (await ensureKafka({ ...localKafkaOptionsFromEnv(process.env), log: (l) => console.error(l) })).brokers;
  const { topic } = await createBacklog({ brokers, messages: Math.max(20_000, 4_000 * (seconds + 5)), partitions: 6, label: 'diag' });
  const sink = await startSinkThread();
  await sink.setLatency(latencyMs);
  const config = oursConfig({ brokers, topic, smtpPort: sink.port, concurrency, partitions: 6 });
  const smtp = createSmtpMailer({ ...config.smtp, connections: concurrency });
  const sends: number[] = [];
  // Sampled where nodemailer schedules its own setImmediate hops: as a send starts.
  const waits: number[] = [];
  const mailer: Mailer = {
    ...smtp,
    async send(prepared) {
      const started = performance.now();
      setImmediate(() => waits.push(performance.now() - started));
      await smtp.send(prepared);
      sends.push(performance.now() - started);
    },
  };
  const registry = new Registry();
  const app = createApp({ config, logger: pino({ level: 'error' }), registry, httpHost: '127.0.0.1', mailer });
  const gauge = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
  await app.start();
  try {
    await sleep(3_000);
    for (let s = 0; s < seconds; s += 1) {
      const elu0 = performance.eventLoopUtilization();
      const accepted0 = sink.counts().accepted;
      const samples: Array<[number, number]> = [];
      sends.length = 0;
      waits.length = 0;
      for (let k = 0; k < 10; k += 1) {
        await sleep(100);
        samples.push([await gauge('email_dispatcher_in_flight_messages'), await gauge('email_dispatcher_queued_messages')]);
      }
      const elu = performance.eventLoopUtilization(elu0).utilization;
      const send = summarize(sends);
      const wait = summarize(waits);
      const min = (i: 0 | 1) => Math.min(...samples.map((x) => x[i]));
      console.log(
        `${String(sink.counts().accepted - accepted0).padStart(5)} emails/s · ELU ${elu.toFixed(2)} · in flight ≥ ${min(0)}, queued ≥ ${min(1)} · send p50 ${fmt(send.p50)} p95 ${fmt(send.p95)} ms · setImmediate wait p50 ${fmt(wait.p50)} p95 ${fmt(wait.p95)} ms`,
      );
    }
  } finally {
    await app.stop();
    await sink.stop();
  }
}

async function compose(): Promise<void> {
  const mails = Array.from({ length: 5_000 }, (_, i) => welcome(i));
  for (const [name, fn] of [
    ['nodemailer MailComposer', composeWithNodemailer],
    ['service composer', composeWelcomeEmail],
  ] as const) {
    for (let round = 0; round < 2; round += 1) {
      const cpu = process.cpuUsage();
      for (const m of mails) await fn(m);
      const used = process.cpuUsage(cpu);
      if (round === 1) console.log(`${name.padEnd(24)} ${((used.user + used.system) / mails.length).toFixed(0)} µs CPU per welcome email`);
    }
  }
}

const commands: Record<string, () => Promise<void>> = { phases, ours, compose };
const command = commands[positionals[0] ?? ''];
if (!command) {
  console.error('usage: npm run bench:diagnose -- <phases | ours | compose> [--latency-ms 50] [--concurrency 50] [--seconds 10]');
  process.exit(2);
}
await command();
process.exit(0);
