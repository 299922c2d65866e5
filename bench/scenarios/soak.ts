import { spawn } from 'node:child_process';

import { Kafka, logLevel } from 'kafkajs';

import { sleep } from '../../src/platform/sleep.js';
import { redisServerMissing, startRedisServer } from '../../test/support/redis.js';
import { type GroupBenchContext, memberEnv } from '../group/context.js';
import { createEventTopic } from '../group/event-topic.js';
import { spawnMember, waitReady } from '../group/member.js';
import { metricSum } from '../group/prometheus-text.js';

export interface SoakOptions {
  readonly serviceRoot: string;
  readonly out: string;
  readonly latencyMs: number;
  /** Events to send (each with a receipt, a ledger claim and a send-rate token). */
  readonly events: number;
  /** EMAIL_RATE_LIMIT_PER_SECOND, cluster scope (one replica: the whole budget). */
  readonly rate: number;
  readonly windowS: number;
  /** The Deployment's NODE_OPTIONS. */
  readonly nodeOptions: string;
  /** The Deployment's limits.memory, MiB. */
  readonly memoryLimitMiB: number;
}

export interface SoakWindow {
  readonly endS: number;
  readonly sent: number;
  /** The least heap used seen in the window (after collections): what stays. */
  readonly heapFloorMiB: number;
  readonly rssPeakMiB: number;
}

export interface SoakResult {
  readonly node: string;
  readonly sent: number;
  readonly seconds: number;
  readonly windows: readonly SoakWindow[];
  readonly rssPeakMiB: number;
  readonly exitCode: number | undefined;
}

const MiB = 2 ** 20;

/**
 * One service instance (the compiled build, as the image runs it), receipts, the Redis sent ledger and the cluster send rate on, the
 * Deployment's NODE_OPTIONS, sending `events` from a topped-up backlog at `rate`/s; its /metrics is
 * scraped every second for heap used and RSS.
 */
export async function runSoak(ctx: GroupBenchContext, o: SoakOptions): Promise<SoakResult> {
  const missing = redisServerMissing();
  if (missing) throw new Error(`the soak needs redis-server: ${missing}`);
  await ctx.sink.setLatency(o.latencyMs);
  const topic = await createEventTopic({ brokers: ctx.brokers, label: 'soak', partitions: 6 });
  const receiptsTopic = `${topic.topic}.receipts`;
  const admin = new Kafka({ clientId: 'bench-soak', brokers: [...ctx.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: receiptsTopic, numPartitions: 3 }] });
  await admin.disconnect();
  const redis = await startRedisServer();
  const env = memberEnv(ctx, {
    topic: topic.topic,
    dlqTopic: topic.dlqTopic,
    groupId: `${topic.topic}.dispatcher`,
    workers: 20,
    buffer: 1_000,
    extra: {
      NODE_OPTIONS: o.nodeOptions,
      LOG_LEVEL: 'warn',
      KAFKA_RECEIPTS_TOPIC: receiptsTopic,
      REDIS_URL: redis.url,
      EMAIL_RATE_LIMIT_SCOPE: 'cluster',
      EMAIL_RATE_LIMIT_PER_SECOND: String(o.rate),
      EMAIL_RATE_LIMIT_MAX_REPLICAS: '1',
    },
  });
  // The compiled service, as the image runs it: tsx's loader would add its own memory to the RSS.
  await buildService(o.serviceRoot);
  const member = await spawnMember({ serviceRoot: o.serviceRoot, name: 'soak', env, logDir: ctx.logDir, entry: 'dist' });
  let sent = 0;
  const stopTopUp = topic.keepToppedUp({ target: Math.min(o.events, o.rate * 30), received: () => sent });
  const windows: SoakWindow[] = [];
  let node = '';
  const started = Date.now();
  let rssPeak = 0;
  try {
    await waitReady(member);
    let window = { heapFloor: Number.POSITIVE_INFINITY, rssPeak: 0, endsAt: Date.now() + o.windowS * 1_000 };
    while (sent < o.events && member.exitedAt === undefined) {
      await sleep(1_000);
      const text = await fetch(`http://127.0.0.1:${member.httpPort}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      node ||= /email_dispatcher_build_info\{[^}]*node="([^"]+)"/.exec(text)?.[1] ?? '';
      const heap = metricSum(text, 'nodejs_heap_size_used_bytes');
      const rss = metricSum(text, 'process_resident_memory_bytes');
      sent = metricSum(text, 'email_dispatcher_emails_sent_total') ?? sent;
      if (heap !== undefined) window.heapFloor = Math.min(window.heapFloor, heap);
      if (rss !== undefined) window.rssPeak = Math.max(window.rssPeak, rss);
      rssPeak = Math.max(rssPeak, window.rssPeak);
      if (Date.now() >= window.endsAt || sent >= o.events) {
        windows.push({ endS: Math.round((Date.now() - started) / 1000), sent, heapFloorMiB: window.heapFloor / MiB, rssPeakMiB: window.rssPeak / MiB });
        ctx.say(
          `soak: ${sent} sent, heap floor ${(window.heapFloor / MiB).toFixed(1)} MiB, RSS peak ${(window.rssPeak / MiB).toFixed(0)} MiB (limit ${o.memoryLimitMiB} MiB)`,
        );
        window = { heapFloor: Number.POSITIVE_INFINITY, rssPeak: 0, endsAt: Date.now() + o.windowS * 1_000 };
      }
    }
  } finally {
    await stopTopUp();
    await member.stop(30_000);
    await redis.stop();
    await topic.close();
  }
  return { node, sent, seconds: (Date.now() - started) / 1000, windows, rssPeakMiB: rssPeak / MiB, exitCode: member.exitCode };
}

async function buildService(serviceRoot: string): Promise<void> {
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'build'], { cwd: serviceRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('close', (c) => resolve({ code: c, stderr: err }));
  });
  if (code !== 0) throw new Error(`npm run build in ${serviceRoot} failed (${code}): ${stderr.trim()}`);
}

export function formatSoak(o: SoakOptions, r: SoakResult): string {
  const lines = [
    `# Soak: ${r.sent.toLocaleString('en')} events in ${(r.seconds / 60).toFixed(1)} min on Node ${r.node}, the compiled service (NODE_OPTIONS=${o.nodeOptions}; receipts, Redis ledger, cluster send rate ${o.rate}/s)`,
    '',
    '| window end (s) | sent | heap floor (MiB) | RSS peak (MiB) |',
    '|---:|---:|---:|---:|',
    ...r.windows.map((w) => `| ${w.endS} | ${w.sent} | ${w.heapFloorMiB.toFixed(1)} | ${w.rssPeakMiB.toFixed(0)} |`),
    '',
    `Peak RSS ${r.rssPeakMiB.toFixed(0)} MiB against the Deployment's limit of ${o.memoryLimitMiB} MiB${r.exitCode !== undefined && r.exitCode !== 0 ? `; the service exited with ${r.exitCode}` : ''}.`,
  ];
  return `${lines.join('\n')}\n`;
}
