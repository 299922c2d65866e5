import net from 'node:net';

import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import type { App } from '../../src/app.js';
import { clusterSendRate, redisSendBudget } from '../../src/delivery/rate/send-rate.js';
import { REDIS_LEDGER_CLIENT_OPTIONS } from '../../src/ledger/redis-scripts.js';
import { createMetrics } from '../../src/platform/metrics.js';
import { metricValue, produceEvents, serviceEnv, startApp, useAppWorld } from '../support/app-harness.js';
import { useCleanup } from '../support/cleanup.js';
import { silentLogger } from '../support/pipeline.js';
import { type RedisServer, redisServerMissing, startRedisServer } from '../support/redis.js';

const missing = redisServerMissing();
const cleanup = useCleanup();

async function redisServer(): Promise<RedisServer> {
  const redis = await startRedisServer();
  cleanup.push(() => redis.stop());
  return redis;
}

/** Sends the sink accepted in [from, from + ms). */
const acceptedIn = (times: readonly number[], from: number, ms: number) => times.filter((t) => t >= from && t < from + ms).length;

/** A TCP proxy to `port` that holds every reply from it `latencyMs` (a slow Redis, as on a congested link). */
async function latencyProxy(port: number, latencyMs: number): Promise<{ url: string }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port });
    for (const s of [client, upstream]) sockets.add(s.on('error', () => {}).on('close', () => (client.destroy(), upstream.destroy())));
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => setTimeout(() => client.writable && client.write(chunk), latencyMs));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))));
  const address = server.address() as net.AddressInfo;
  return { url: `redis://127.0.0.1:${address.port}` };
}

describe.skipIf(missing !== undefined)(`EMAIL_RATE_LIMIT_SCOPE=cluster${missing ? ` (SKIPPED: ${missing})` : ''}`, () => {
  const ctx = useAppWorld({ partitions: 6 });

  it('three instances under backlog with a cluster limit of 20/s: the SMTP server sees 20/s ± 10 % over 20 s', async () => {
    const redis = await redisServer();
    await produceEvents(
      ctx.world,
      Array.from({ length: 900 }, (_, i) => `cr-${i}`),
    );
    const env = serviceEnv(ctx.world, ctx.sink.port, {
      EMAIL_RATE_LIMIT_PER_SECOND: '20',
      EMAIL_RATE_LIMIT_SCOPE: 'cluster',
      REDIS_URL: redis.url,
      EMAIL_WORKER_COUNT: '10',
      LOG_LEVEL: 'error',
    });
    const apps: App[] = [];
    for (let i = 0; i < 3; i += 1) apps.push(await startApp({ ...env, HTTP_PORT: '0' }));
    cleanup.push(() => Promise.all(apps.map((app) => app.stop())));
    // Warm-up: the group settles on three members and the backlog flows.
    await ctx.sink.waitFor(60, { timeoutMs: 60_000 });
    const from = Date.now() + 1_000;
    await new Promise((resolve) => setTimeout(resolve, 21_500));
    const times = ctx.sink.received.map((mail) => mail.receivedAt.getTime());
    const perSecond = acceptedIn(times, from, 20_000) / 20;
    console.info(`cluster send rate: ${perSecond.toFixed(2)} emails/s at the SMTP server over 20 s (limit 20/s, 3 instances)`);
    expect(perSecond).toBeGreaterThanOrEqual(18);
    expect(perSecond).toBeLessThanOrEqual(22);
    // Every instance sent a part of it: the budget is shared, not taken by one.
    for (const app of apps) expect(await metricValue(app, 'email_dispatcher_emails_sent_total')).toBeGreaterThan(0);
    const onShare = await Promise.all(apps.map((app) => metricValue(app, 'email_dispatcher_rate_limit_fallback_sends_total', { reason: 'slow' })));
    console.info(`cluster send rate: sends on a pod's share because Redis answered later than 100 ms: ${onShare.join(', ')}`);
  });

  it('Redis answering in 400 ms: the pod sends at its share, 40/s over 4 replicas = 10/s, not one email per 400 ms per worker, and says why', async () => {
    const redis = await redisServer();
    const slow = await latencyProxy(redis.port, 400);
    await produceEvents(
      ctx.world,
      Array.from({ length: 400 }, (_, i) => `slow-${i}`),
    );
    const env = serviceEnv(ctx.world, ctx.sink.port, {
      EMAIL_RATE_LIMIT_PER_SECOND: '40',
      EMAIL_RATE_LIMIT_MAX_REPLICAS: '4',
      EMAIL_RATE_LIMIT_SCOPE: 'cluster',
      REDIS_URL: slow.url,
      IDEMPOTENCY_REDIS_URL: redis.url,
      EMAIL_WORKER_COUNT: '2',
      LOG_LEVEL: 'error',
    });
    const app = await startApp({ ...env, HTTP_PORT: '0' });
    cleanup.push(() => app.stop());
    await ctx.sink.waitFor(20, { timeoutMs: 60_000 });
    const from = Date.now() + 500;
    await new Promise((resolve) => setTimeout(resolve, 10_700));
    const perSecond =
      acceptedIn(
        ctx.sink.received.map((mail) => mail.receivedAt.getTime()),
        from,
        10_000,
      ) / 10;
    console.info(`slow Redis (400 ms): ${perSecond.toFixed(2)} emails/s at the SMTP server over 10 s (share 10/s, 2 workers)`);
    expect(perSecond).toBeGreaterThanOrEqual(9);
    expect(perSecond).toBeLessThanOrEqual(10.5);
    expect(await metricValue(app, 'email_dispatcher_rate_limit_fallback')).toBe(1);
    expect(await metricValue(app, 'email_dispatcher_rate_limit_fallback_sends_total', { reason: 'slow' })).toBeGreaterThan(90);
    expect(app.health.readiness()).toMatchObject({ sendRate: { budget: 'pod-share', reason: 'slow', sharePerSecond: 10 } });
  });
});

describe.skipIf(missing !== undefined)(`cluster send rate against a real redis-server${missing ? ` (SKIPPED: ${missing})` : ''}`, () => {
  const rate = async (redis: RedisServer, perSecond: number, maxReplicas = 4) => {
    const client = new Redis(redis.url, REDIS_LEDGER_CLIENT_OPTIONS);
    client.on('error', () => {});
    cleanup.push(() => client.disconnect());
    const metrics = createMetrics({ registry: new Registry(), defaults: false });
    await new Promise<void>((resolve) => (client.status === 'ready' ? resolve() : client.once('ready', () => resolve())));
    return {
      metrics,
      client,
      rate: clusterSendRate({
        budget: redisSendBudget({ redis: client, perSecond, keyPrefix: `test-${Math.random()}` }),
        perSecond,
        maxReplicas,
        metrics,
        logger: silentLogger,
      }),
    };
  };

  /** How many takes two limiters sharing one budget complete in `ms`. */
  async function takesWithin(takers: ReadonlyArray<{ take(signal: AbortSignal): Promise<void> }>, ms: number): Promise<number> {
    const stop = AbortSignal.timeout(ms);
    let count = 0;
    await Promise.all(
      takers.flatMap((taker) =>
        Array.from({ length: 5 }, async () => {
          for (;;) {
            try {
              await taker.take(stop);
            } catch {
              return;
            }
            count += 1;
          }
        }),
      ),
    );
    return count;
  }

  it('two limiters share one budget', async () => {
    const redis = await redisServer();
    const a = await rate(redis, 10);
    const keyPrefix = `shared-${Math.random()}`;
    const metrics = createMetrics({ registry: new Registry(), defaults: false });
    const budget = () => redisSendBudget({ redis: a.client, perSecond: 10, keyPrefix });
    const one = clusterSendRate({ budget: budget(), perSecond: 10, maxReplicas: 4, metrics, logger: silentLogger });
    const two = clusterSendRate({ budget: budget(), perSecond: 10, maxReplicas: 4, metrics, logger: silentLogger });
    const taken = await takesWithin([one, two], 3_000);
    // Three 1 s windows (the first may start mid-way): at most 10 a window, together.
    expect(taken).toBeGreaterThanOrEqual(20);
    expect(taken).toBeLessThanOrEqual(40);
  });

  it('Redis unreachable: each pod falls back to its share (limit / max replicas) and says so; the shared budget returns with Redis', async () => {
    const redis = await redisServer();
    const { rate: limiter, metrics } = await rate(redis, 20, 4);
    await redis.stop();
    const taken = await takesWithin([limiter], 2_000);
    // 20 / 4 = 5 a second.
    expect(taken).toBeGreaterThanOrEqual(5);
    expect(taken).toBeLessThanOrEqual(15);
    expect((await metrics.rateLimitFallback.get()).values[0]?.value).toBe(1);
    await redis.restart();
    // Sends on the share still ask Redis; the first answer in time ends the fallback.
    const deadline = Date.now() + 10_000;
    while ((await metrics.rateLimitFallback.get()).values[0]?.value !== 0 && Date.now() < deadline) await limiter.take(AbortSignal.timeout(5_000));
    expect((await metrics.rateLimitFallback.get()).values[0]?.value).toBe(0);
  });
});
