import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';

import { type SmtpSink, startSmtpSink } from '../../../dev/smtp-sink.js';
import type { App } from '../../../src/app.js';
import { committedLag, createWorld, metricValue, produceEvents, serviceEnv, startApp, until, type World } from '../../support/app-harness.js';

let world: World;
let sink: SmtpSink;
const apps: App[] = [];

beforeEach(async () => {
  world = await createWorld(inject('kafkaBrokers'), { partitions: 24 });
  sink = await startSmtpSink({ store: false });
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
  await sink.stop();
  await world.close();
});

const WORKERS = 10;

describe('scaling out under backlog', () => {
  it('when a second instance joins while the first waits on a full buffer › the newcomer gets work within 10 s, nobody is evicted, duplicates stay within the sends in flight', async () => {
    const ids = Array.from({ length: 3_000 }, (_, i) => `scale-${i}`);
    await produceEvents(world, ids);
    sink.setLatency(150);
    // Production timings: KafkaJS's rebalance timeout (60 s) is what a stalled member used to wait out.
    const env = serviceEnv(world, sink.port, {
      EMAIL_WORKER_COUNT: String(WORKERS),
      EMAIL_WORKER_BUFFER: '100',
      KAFKA_SESSION_TIMEOUT_MS: '30000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '3000',
      LOG_LEVEL: 'info',
    });
    const firstLogs: string[] = [];
    const first = await startApp(env, { logs: firstLogs });
    apps.push(first);
    // Many partitions' batches queue behind a full buffer.
    await until(async () => (await metricValue(first, 'email_dispatcher_emails_sent_total')) >= 150, {
      what: 'the first instance to be busy',
      timeoutMs: 60_000,
    });

    const joinedAt = Date.now();
    const second = await startApp(env);
    apps.push(second);
    await until(async () => (await metricValue(second, 'email_dispatcher_emails_sent_total')) > 0, { what: 'the newcomer to send', timeoutMs: 45_000 });
    const waitedMs = Date.now() - joinedAt;

    await until(() => ids.every((id) => sink.seen(`<${id}@acme.test>`)), { what: 'every event delivered', timeoutMs: 120_000 });
    await until(async () => (await committedLag(world)) === 0, { what: 'committed lag 0' });
    console.info(`newcomer's first send ${waitedMs} ms after it started; ${sink.duplicates} duplicate(s) of ${ids.length}`);

    // The old behaviour: nothing for the newcomer until the first member was evicted at the 60 s rebalance
    // timeout. Measured about 5 s (a start of the service, a join, a first fetch); 10 s leaves room for a loaded CI.
    expect(waitedMs).toBeLessThanOrEqual(10_000);
    const evicted = firstLogs.filter((line) => /not aware of this member|no longer a member of the consumer group|UNKNOWN_MEMBER_ID/.test(line));
    expect(evicted).toEqual([]);
    expect(await metricValue(first, 'email_dispatcher_kafka_consumer_crashes_total')).toBe(0);
    // Only sends already in flight on the first instance when it learned of the rebalance can be repeated.
    expect(sink.duplicates).toBeLessThanOrEqual(WORKERS);
  });
});
