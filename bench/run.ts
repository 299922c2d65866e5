/**
 * npm run bench [-- --quick] [-- --latencies 0,50] [-- --concurrency 10,50,200] [-- --repeats 3]
 *
 * Runs B0 (raw send), B1 (naive eachMessage), B1′ (eachMessage, partitions in parallel) and ours
 * side by side on the same broker, backlog and SMTP sink, alternating (A B C D A B C D …), and
 * reports medians and spread of the steady-state delivery rate. Figures, never pass/fail.
 * The SMTP sink runs on its own thread (bench/sink-worker.ts). Writes bench/results/latest.json; `npm run bench:chart` turns it into docs/bench/*.svg.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import nodemailer from 'nodemailer';
import { ensureKafka, localKafkaOptionsFromEnv, DEFAULT_KAFKA_VERSION } from '../dev/local-kafka.js';
import { Worker } from 'node:worker_threads';
import { runLoadTest } from '../src/loadtest/run-load-test.js';
import { median } from '../src/loadtest/percentile.js';
import { signupFixture } from '../src/loadtest/signup-fixture.js';
import { smtpTransportOptions } from '../src/delivery/mailer.js';
import { naiveConsumer, noopMailer, ours, rawSend, type Running, type VariantContext } from './variants.js';

const { values: f } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    latencies: { type: 'string' },
    concurrency: { type: 'string' },
    repeats: { type: 'string' },
    'window-s': { type: 'string' },
    'memory-events': { type: 'string' },
  },
});
const quick = f.quick;
const latencies = (f.latencies ?? '0,50').split(',').map(Number);
const concurrencies = (f.concurrency ?? (quick ? '10,50' : '10,50,200')).split(',').map(Number);
const repeats = Number(f.repeats ?? (quick ? 2 : 3));
const windowS = Number(f['window-s'] ?? (quick ? 6 : 20));
const warmupS = 2;
const memoryEvents = Number(f['memory-events'] ?? (quick ? 50_000 : 1_000_000));
const PARTITIONS = 6;
const say = (m: string) => console.error(`bench: ${m}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The memory run spawns the compiled service (no TypeScript loader in its RSS): build it first.
execFileSync(process.execPath, [new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname, '-p', new URL('../tsconfig.build.json', import.meta.url).pathname], { stdio: 'inherit' });

const brokers = process.env.KAFKA_BROKERS?.split(',') ?? (await ensureKafka({ ...localKafkaOptionsFromEnv(process.env), log: say })).brokers;
const counter = new Int32Array(new SharedArrayBuffer(4));
const worker = new Worker(new URL('sink-worker.ts', import.meta.url), { workerData: { counter: counter.buffer }, execArgv: ['--import', 'tsx'] });
const sinkPort = await new Promise<number>((resolve) => worker.once('message', (m: { port: number }) => resolve(m.port)));
const sink = {
  port: sinkPort,
  setLatency: (ms: number) => worker.postMessage({ op: 'latency', ms }),
  setFailureRate: ({ transient }: { transient: number }) => worker.postMessage({ op: 'failures', transient }),
  stop: () => new Promise<void>((resolve) => {
    worker.once('exit', () => resolve());
    worker.postMessage({ op: 'stop' });
  }),
};
const deliveredNow = () => Atomics.load(counter, 0);
const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });

async function backlog(messages: number): Promise<string> {
  const topic = `bench-${Date.now().toString(36)}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS }, { topic: `${topic}.dlq`, numPartitions: 1 }] });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < messages; i += 1000) {
    await producer.send({ topic, acks: -1, messages: Array.from({ length: Math.min(1000, messages - i) }, (_, j) => signupFixture(topic, i + j)).map(({ key, value }) => ({ key, value })) });
  }
  await producer.disconnect();
  return topic;
}

/** Unloaded SMTP transaction time: one connection, one mail at a time. */
async function transactionTimeMs(): Promise<number> {
  const pool = nodemailer.createTransport(smtpTransportOptions({ host: '127.0.0.1', port: sink.port, secure: false, requireTls: false, tlsRejectUnauthorized: false, user: '', pass: '', timeoutMs: 30_000, connections: 1 }));
  const n = 40;
  await pool.sendMail({ from: 'a@bench.test', to: 'b@bench.test', text: 'warm' });
  const t = performance.now();
  for (let i = 0; i < n; i += 1) await pool.sendMail({ from: 'a@bench.test', to: 'b@bench.test', subject: 'w', text: 'x'.repeat(1000) });
  pool.close();
  return (performance.now() - t) / n;
}

/** Steady-state deliveries/s: wait for the first delivery, skip `warmupS`, count over `windowS`. */
async function measure(start: () => Promise<Running>): Promise<number> {
  const before = deliveredNow();
  const running = await start();
  const deadline = Date.now() + 60_000;
  while (deliveredNow() === before && Date.now() < deadline) await sleep(20);
  await sleep(warmupS * 1000);
  const c1 = deliveredNow();
  await sleep(windowS * 1000);
  const rate = (deliveredNow() - c1) / windowS;
  await running.stop();
  await sleep(300);
  return rate;
}

type Variant = 'B0' | 'B1' | "B1'" | 'ours';
interface Row { latencyMs: number; concurrency: number; wMs: number; runs: Record<Variant, number[]> }
const rows: Row[] = [];
const stats = (xs: number[]) => ({ median: median(xs) ?? 0, min: Math.min(...xs), max: Math.max(...xs) });

for (const latencyMs of latencies) {
  sink.setLatency(latencyMs);
  const wMs = await transactionTimeMs();
  say(`L=${latencyMs} ms: unloaded SMTP transaction W=${wMs.toFixed(1)} ms`);
  for (const concurrency of concurrencies) {
    const expected = Math.min((concurrency * 1000) / wMs, 6000);
    const topic = await backlog(Math.ceil(Math.max(20_000, expected * (warmupS + windowS + 5) * 1.3)));
    const ctx: VariantContext = { brokers, topic, smtpPort: sink.port, concurrency, partitions: PARTITIONS };
    const row: Row = { latencyMs, concurrency, wMs, runs: { B0: [], B1: [], "B1'": [], ours: [] } };
    for (let r = 0; r < repeats; r += 1) {
      row.runs.B0.push(await measure(() => rawSend(ctx)));
      row.runs.B1.push(await measure(() => naiveConsumer(ctx, { parallelPartitions: false })));
      row.runs["B1'"].push(await measure(() => naiveConsumer(ctx, { parallelPartitions: true })));
      row.runs.ours.push(await measure(() => ours(ctx)));
      say(`L=${latencyMs} C=${concurrency} run ${r + 1}: B0 ${row.runs.B0.at(-1)?.toFixed(0)}, B1 ${row.runs.B1.at(-1)?.toFixed(0)}, B1' ${row.runs["B1'"].at(-1)?.toFixed(0)}, ours ${row.runs.ours.at(-1)?.toFixed(0)} msg/s`);
    }
    rows.push(row);
  }
}

// 10 % transient failures vs none, ours only, alternating, at C=50 L=50 (or the first configured).
const faultC = concurrencies.includes(50) ? 50 : (concurrencies[0] as number);
const faultL = latencies.includes(50) ? 50 : (latencies[0] as number);
sink.setLatency(faultL);
const faultTopic = await backlog(Math.ceil(Math.min((faultC * 1000) / faultL || 6000, 6000) * (warmupS + windowS + 5) * 1.3 * repeats * 2));
const faultCtx: VariantContext = { brokers, topic: faultTopic, smtpPort: sink.port, concurrency: faultC, partitions: PARTITIONS };
const faults = { clean: [] as number[], transient10: [] as number[] };
for (let r = 0; r < repeats; r += 1) {
  sink.setFailureRate({ transient: 0 });
  faults.clean.push(await measure(() => ours(faultCtx)));
  sink.setFailureRate({ transient: 0.1 });
  faults.transient10.push(await measure(() => ours(faultCtx)));
}
sink.setFailureRate({ transient: 0 });
say(`10 % 4xx at C=${faultC} L=${faultL}: clean ${faults.clean.map((x) => x.toFixed(0))}, faulty ${faults.transient10.map((x) => x.toFixed(0))}`);

// Kafka-only drain: the real pipeline with a mailer that returns at once.
const drainN = quick ? 50_000 : 200_000;
const drainTopic = await backlog(drainN);
const drains: number[] = [];
for (let r = 0; r < repeats; r += 1) {
  const app = await ours({ brokers, topic: drainTopic, smtpPort: sink.port, concurrency: 50, partitions: PARTITIONS }, { mailer: noopMailer, buffer: 1000 });
  while ((await app.sent()) === 0) await sleep(5);
  const t = performance.now();
  const first = await app.sent();
  while ((await app.sent()) < drainN) await sleep(10);
  drains.push((drainN - first) / ((performance.now() - t) / 1000));
  await app.stop();
}
say(`Kafka-only drain of ${drainN}: ${drains.map((x) => x.toFixed(0)).join(', ')} msg/s`);

// Memory: a big backlog through the spawned service; peak RSS from /proc.
sink.setLatency(0);
await sink.stop();
say(`memory run: ${memoryEvents} events through the spawned service…`);
const memory = await runLoadTest({
  kafka: { brokers },
  events: memoryEvents,
  rate: 0,
  partitions: PARTITIONS,
  users: 100_000,
  topic: undefined,
  dlqTopic: undefined,
  eventBytes: 1500,
  timeoutMs: 3_600_000,
  smtp: { kind: 'sink', port: 0, latencyMs: 0, transientRate: 0, permanentRate: 0 },
  service: { kind: 'spawn', workers: 50, buffer: 500, entry: 'dist', nodeArgs: [], groupId: undefined },
  projectRoot: new URL('..', import.meta.url).pathname,
});
say(`memory: peak RSS ${memory.memory.peakRssMiB} MiB, lost ${memory.lost}, ${memory.throughputPerSecond.toFixed(0)} msg/s`);

const result = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, kafka: DEFAULT_KAFKA_VERSION, loadavg: os.loadavg() },
  settings: { quick, repeats, windowS, warmupS, partitions: PARTITIONS },
  rows: rows.map((r) => ({ latencyMs: r.latencyMs, concurrency: r.concurrency, wMs: r.wMs, ...Object.fromEntries(Object.entries(r.runs).map(([k, v]) => [k, { ...stats(v), runs: v }])) })),
  faults: { concurrency: faultC, latencyMs: faultL, clean: stats(faults.clean), transient10: stats(faults.transient10) },
  kafkaOnlyDrain: { messages: drainN, ...stats(drains) },
  memory: { events: memoryEvents, peakRssMiB: memory.memory.peakRssMiB, lost: memory.lost, duplicates: memory.duplicates, throughputPerSecond: memory.throughputPerSecond },
};
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/latest.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
process.exit(0);
