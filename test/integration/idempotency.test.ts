import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../dev/smtp-sink.js';
import type { App } from '../../src/app.js';
import { signupEvent } from '../../dev/signup-event.js';
import { committedLag, createWorld, metricValue, produceEvents, produceRaw, serviceEnv, startApp, until, type World } from '../support/app-harness.js';
import { redisServerMissing, startRedisServer, type RedisServer } from '../support/redis.js';

const missing = redisServerMissing();
if (missing) console.warn(`[idempotency] skipped: ${missing}`);

describe.skipIf(missing !== undefined)(`the service with the Redis sent ledger (IDEMPOTENCY_REDIS_URL)${missing ? ` (SKIPPED: ${missing})` : ''}`, () => {
  let world: World;
  let sink: SmtpSink;
  let redis: RedisServer;
  let app: App | undefined;

  beforeEach(async () => {
    world = await createWorld(inject('kafkaBrokers'));
    sink = await startSmtpSink();
    redis = await startRedisServer();
  });

  afterEach(async () => {
    await app?.stop();
    app = undefined;
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
    app = await startApp(serviceEnv(world, sink.port, { IDEMPOTENCY_REDIS_URL: redis.url, IDEMPOTENCY_STRICT: 'true', EMAIL_RETRY_DELAYS_MS: '200', LOG_LEVEL: 'error' }));
    const live = app;
    await until(async () => (await metricValue(live, 'email_dispatcher_idempotency_ledger_errors_total')) >= 2 * ids.length, { what: 'claims refused while Redis is down' });
    expect(sink.count).toBe(0);
    expect(await committedLag(world)).toBe(ids.length);

    await redis.restart();
    await sink.waitFor(ids.length, { timeoutMs: 30_000 });
    await until(async () => (await committedLag(world)) === 0, { what: 'committed lag 0' });
    expect(sink.count).toBe(ids.length);
    expect(sink.duplicates).toBe(0);
  });
});
