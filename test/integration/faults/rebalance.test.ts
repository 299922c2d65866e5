import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';

import { type SmtpSink, startSmtpSink } from '../../../dev/smtp-sink.js';
import type { App } from '../../../src/app.js';
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
      await until(async () => (await metricValue(visitor, 'email_dispatcher_emails_sent_total')) > 0 || sink.count >= ids.length, {
        what: 'the visitor to send',
        timeoutMs: 30_000,
      });
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

  it('when partitions are added to the topic under load › the rejoin KafkaJS makes inside its fetch is handled as a rebalance, nothing is skipped, duplicates stay within the sends in flight', async () => {
    const workers = 5;
    const first = Array.from({ length: scaled(2_000, 6_000) }, (_, i) => `grow-a-${i}`);
    const second = Array.from({ length: scaled(2_000, 6_000) }, (_, i) => `grow-b-${i}`);
    sink.setLatency(5);
    // A short metadata age: each member sees the added partitions within a second, and KafkaJS rejoins
    // from inside its fetch, with no REBALANCING event or heartbeat error before the join.
    const env = serviceEnv(world, sink.port, { EMAIL_WORKER_COUNT: String(workers), EMAIL_WORKER_BUFFER: '30', KAFKA_METADATA_MAX_AGE_MS: '1000' });
    const members = [await start(env), await start(env)];
    await produceEvents(world, first.slice(0, 200));
    await until(async () => (await Promise.all(members.map((m) => metricValue(m, 'email_dispatcher_emails_sent_total')))).every((n) => n > 0), {
      what: 'both members sending',
      timeoutMs: 30_000,
    });
    await until(async () => (await committedLag(world)) === 0, { what: 'the first events committed' });
    const rebalances = () => Promise.all(members.map((m) => metricValue(m, 'email_dispatcher_kafka_rebalances_total')));
    const rebalancesBefore = await rebalances();
    const duplicatesBefore = sink.duplicates;
    await produceEvents(world, first.slice(200));
    await until(() => sink.count >= 600, { what: 'load under way', timeoutMs: 30_000 });
    await world.admin.createPartitions({ topicPartitions: [{ topic: world.topic, count: 12 }] });
    // New clients see the 12 partitions at once (the world's producer would only after its own metadata age).
    const grown = await createWorld(inject('kafkaBrokers'), { reuse: world });
    try {
      await produceEvents(grown, second);
      await until(() => [...first, ...second].every((id) => sink.seen(`<${id}@acme.test>`)), { what: 'every event delivered', timeoutMs: 120_000 });
      await until(async () => (await committedLag(grown)) === 0, { what: 'committed lag 0 on all 12 partitions' });
    } finally {
      await grown.close();
    }
    const rebalancesAfter = await rebalances();
    const duplicates = sink.duplicates - duplicatesBefore;
    console.info(
      `partitions 6 → 12 under load: rebalances per member ${rebalancesBefore.join('/')} → ${rebalancesAfter.join('/')}, ${duplicates} duplicate(s) of ${first.length + second.length - 200}`,
    );
    // Each member handled the change as a rebalance, the one whose KafkaJS rejoined on its own too (once,
    // that member saw only the join, after the fact: no hold, no last commit of its generation).
    rebalancesAfter.forEach((n, i) => expect(n).toBeGreaterThan(rebalancesBefore[i] ?? 0));
    // One group event: only sends in flight on a moved partition may repeat, ≤ 2 members × 5 workers. (The
    // round-robin assignor keeps every existing partition on its owner when partitions are added: 0 measured.)
    expect(duplicates).toBeLessThanOrEqual(members.length * workers);
  });
});
