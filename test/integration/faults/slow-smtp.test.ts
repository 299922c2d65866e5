import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { startSmtpSink, type SmtpSink } from '../../../dev/smtp-sink.js';
import { committedLag, createWorld, metricValue, produceEvents, serviceEnv, startApp, until, type World } from '../../support/app-harness.js';

let world: World;
let sink: SmtpSink;
let app: App | undefined;

beforeEach(async () => {
  world = await createWorld(inject('kafkaBrokers'));
  sink = await startSmtpSink({ store: false });
});

afterEach(async () => {
  await app?.stop();
  await sink.stop();
  await world.close();
});

describe('SMTP slower than the consumer session timeout', () => {
  it('causes no rebalance loop, and everything is delivered once', async () => {
    sink.setLatency(8_000);
    const ids = Array.from({ length: 30 }, (_, i) => `slow-${i}`);
    await produceEvents(world, ids);
    // 6 s is the broker's minimum session timeout; every send takes 8 s.
    app = await startApp(serviceEnv(world, sink.port, { KAFKA_SESSION_TIMEOUT_MS: '6000', KAFKA_HEARTBEAT_INTERVAL_MS: '1000', EMAIL_WORKER_COUNT: '10', EMAIL_WORKER_BUFFER: '10', SMTP_TIMEOUT_MS: '20000' }));
    await sink.waitFor(ids.length, { timeoutMs: 90_000 });
    await until(async () => (await committedLag(world)) === 0, { what: 'committed lag 0' });
    expect(await metricValue(app, 'email_dispatcher_kafka_rebalances_total')).toBe(0);
    expect(sink.duplicates).toBe(0);
  });
});
