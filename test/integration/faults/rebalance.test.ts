import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { startSmtpSink, type SmtpSink } from '../../../dev/smtp-sink.js';
import { committedLag, createWorld, metricValue, produceEvents, serviceEnv, startApp, until, type World } from '../../support/app-harness.js';
import { scaled } from '../../support/fault-scale.js';

let world: World;
let sink: SmtpSink;
const apps: App[] = [];

beforeEach(async () => {
  world = await createWorld(inject('kafkaBrokers'), { partitions: 6 });
  sink = await startSmtpSink({ store: false });
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
  await sink.stop();
  await world.close();
});

async function start(env: Record<string, string>): Promise<App> {
  const app = await startApp(env);
  apps.push(app);
  return app;
}

async function stop(app: App): Promise<void> {
  apps.splice(apps.indexOf(app), 1);
  expect(await app.stop()).toBe(0);
}

describe('rebalances under load', () => {
  it('when a second consumer joins and leaves repeatedly › no event is skipped and the group ends at lag 0', async () => {
    const rounds = scaled(3, 10);
    const ids = Array.from({ length: scaled(1_500, 6_000) }, (_, i) => `reb-${i}`);
    await produceEvents(world, ids);
    sink.setLatency(5);
    const env = serviceEnv(world, sink.port, { EMAIL_WORKER_COUNT: '5', EMAIL_WORKER_BUFFER: '30' });
    const steady = await start(env);
    for (let round = 0; round < rounds; round += 1) {
      const visitor = await start(env);
      await until(async () => (await metricValue(visitor, 'email_dispatcher_emails_sent_total')) > 0 || sink.count >= ids.length, { what: 'the visitor to send', timeoutMs: 30_000 });
      await stop(visitor);
    }
    await until(() => ids.every((id) => sink.seen(`<${id}@acme.test>`)), { what: 'every event delivered', timeoutMs: 120_000 });
    await until(async () => (await committedLag(world)) === 0, { what: 'committed lag 0' });
    expect(await metricValue(steady, 'email_dispatcher_kafka_rebalances_total')).toBeGreaterThanOrEqual(1);
    // Duplicates come only from work in process on a partition that moved (no sent ledger here).
    console.info(`${rounds} join/leave rounds: ${sink.duplicates} duplicate(s) of ${ids.length}`);
    // Each join and each leave may repeat only the sends in flight on a moved partition: ≤ 2 members × 5 workers.
    expect(sink.duplicates).toBeLessThanOrEqual(rounds * 2 * 2 * 5);
  });

  it('when two instances are stopped and started alternately › delivers everything and keeps making progress', async () => {
    const ids = Array.from({ length: scaled(1_200, 6_000) }, (_, i) => `alt-${i}`);
    await produceEvents(world, ids);
    sink.setLatency(5);
    const env = serviceEnv(world, sink.port, { EMAIL_WORKER_COUNT: '5', EMAIL_WORKER_BUFFER: '30' });
    let a = await start(env);
    let b = await start(env);
    for (let round = 0; round < scaled(2, 5) && sink.count < ids.length; round += 1) {
      const before = sink.count;
      await stop(a);
      await until(() => sink.count > before, { what: 'progress after stopping a', timeoutMs: 30_000 });
      a = await start(env);
      const mid = sink.count;
      await stop(b);
      await until(() => sink.count > mid || sink.count >= ids.length, { what: 'progress after stopping b', timeoutMs: 30_000 });
      b = await start(env);
    }
    await until(() => ids.every((id) => sink.seen(`<${id}@acme.test>`)), { what: 'every event delivered', timeoutMs: 120_000 });
    await until(async () => (await committedLag(world)) === 0, { what: 'committed lag 0' });
    console.info(`alternating bounces: ${sink.duplicates} duplicate(s) of ${ids.length}`);
    // Each stop and each start is a scale event; each may repeat only the sends in flight (≤ 2 × 5).
    expect(sink.duplicates).toBeLessThanOrEqual(scaled(2, 5) * 4 * 2 * 5);
  });
});
