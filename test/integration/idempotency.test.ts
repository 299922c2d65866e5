import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';

import { signupEvent } from '../../dev/signup-event.js';
import { type SmtpSink, startSmtpSink } from '../../dev/smtp-sink.js';
import type { App } from '../../src/app.js';
import { committedLag, createWorld, metricValue, produceEvents, produceRaw, serviceEnv, startApp, until, type World } from '../support/app-harness.js';
import { type RedisServer, redisServerMissing, startRedisServer } from '../support/redis.js';
import { type ServiceProcess, startService } from '../support/service-process.js';

const missing = redisServerMissing();
if (missing) console.warn(`[idempotency] skipped: ${missing}`);

describe.skipIf(missing !== undefined)(`the service with the Redis sent ledger (IDEMPOTENCY_REDIS_URL)${missing ? ` (SKIPPED: ${missing})` : ''}`, () => {
  let world: World;
  let sink: SmtpSink;
  let redis: RedisServer;
  let app: App | undefined;
  const processes: ServiceProcess[] = [];

  beforeEach(async () => {
    world = await createWorld(inject('kafkaBrokers'));
    sink = await startSmtpSink();
    redis = await startRedisServer();
  });

  afterEach(async () => {
    await app?.stop();
    app = undefined;
    for (const service of processes.splice(0)) {
      service.kill('SIGKILL');
      await service.exited;
    }
    await sink.stop();
    await redis.stop();
    await world.close();
  });

  it('when the topic holds the same event twice › sends one email and settles the other as a duplicate', async () => {
    const value = JSON.stringify(signupEvent('twice-1'));
    await produceRaw(world, [
      { key: 'user-twice-1', value, partition: 0 },
      { key: 'user-twice-1', value, partition: 0 },
    ]);
    app = await startApp(serviceEnv(world, sink.port, { IDEMPOTENCY_REDIS_URL: redis.url, LOG_LEVEL: 'error' }));
    const live = app;
    await until(async () => (await committedLag(world)) === 0, { what: 'both records committed' });
    expect(sink.count).toBe(1);
    expect(await metricValue(live, 'email_dispatcher_duplicates_skipped_total')).toBe(1);
  });

  it('when Redis is down and IDEMPOTENCY_STRICT is false › keeps sending, counts ledger errors, loses nothing', async () => {
    await redis.stop();
    const ids = ['down-1', 'down-2', 'down-3'];
    await produceEvents(world, ids);
    app = await startApp(serviceEnv(world, sink.port, { IDEMPOTENCY_REDIS_URL: redis.url, LOG_LEVEL: 'error' }));
    const live = app;
    await sink.waitFor(ids.length, { timeoutMs: 30_000 });
    await until(async () => (await committedLag(world)) === 0, { what: 'committed lag 0' });
    expect(await metricValue(live, 'email_dispatcher_idempotency_ledger_errors_total')).toBeGreaterThanOrEqual(ids.length);
  });

  it('when Redis is down and IDEMPOTENCY_STRICT is true › holds every message uncommitted, then delivers once Redis is back', async () => {
    await redis.stop();
    const ids = ['held-1', 'held-2'];
    await produceEvents(world, ids);
    app = await startApp(
      serviceEnv(world, sink.port, { IDEMPOTENCY_REDIS_URL: redis.url, IDEMPOTENCY_STRICT: 'true', EMAIL_RETRY_DELAYS_MS: '200', LOG_LEVEL: 'error' }),
    );
    const live = app;
    await until(async () => (await metricValue(live, 'email_dispatcher_idempotency_ledger_errors_total')) >= 2 * ids.length, {
      what: 'claims refused while Redis is down',
    });
    expect(sink.count).toBe(0);
    expect(await committedLag(world)).toBe(ids.length);

    await redis.restart();
    await sink.waitFor(ids.length, { timeoutMs: 30_000 });
    await until(async () => (await committedLag(world)) === 0, { what: 'committed lag 0' });
    expect(sink.count).toBe(ids.length);
    expect(sink.duplicates).toBe(0);
  });

  it('when killed with SIGKILL mid-send and restarted at once › the sends it had in flight go out within seconds of the restart, not a send timeout later', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `inflight-${i}`);
    await produceEvents(world, ids);
    // Every send hangs at DATA, so the five workers are all mid-send when the process dies.
    sink.setLatency(30_000);
    const env = serviceEnv(world, sink.port, { IDEMPOTENCY_REDIS_URL: redis.url, EMAIL_WORKER_COUNT: '5', EMAIL_WORKER_BUFFER: '10', LOG_LEVEL: 'warn' });
    const first = startService(env);
    processes.push(first);
    const inspect = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      const claims = async () => {
        const keys = await inspect.keys('email-dispatcher:sent:*');
        const values = keys.length === 0 ? [] : await inspect.mget(keys);
        return values.filter((v) => v?.startsWith('claim:')).length;
      };
      await until(async () => (await claims()) === 5, { what: 'five claims in flight', timeoutMs: 60_000 });
      first.kill('SIGKILL');
      await first.exited;
      sink.setLatency(0);
      const restartedAt = Date.now();
      processes.push(startService(env));
      // Settled and committed means the restarted instance claimed, sent and recorded all ten: the
      // dead process's claims had to lapse first. The session timeout (10 s) bounds the rejoin.
      await until(async () => (await committedLag(world)) === 0, { what: 'every event committed after the restart', timeoutMs: 90_000 });
      const recoveredS = (Date.now() - restartedAt) / 1000;
      console.info(`SIGKILL mid-send with the ledger: every in-flight email sent ${recoveredS.toFixed(1)} s after the restart`);
      expect(recoveredS).toBeLessThanOrEqual(30);
      expect(ids.every((id) => sink.seen(`<${id}@acme.test>`))).toBe(true);
      expect(await claims()).toBe(0);
    } finally {
      inspect.disconnect();
    }
  });
});
