import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { startSmtpSink, type SmtpSink } from '../../../dev/smtp-sink.js';
import { committedLag, createWorld, metricValue, produceEvents, readDlq, serviceEnv, startApp, until, type World } from '../../support/app-harness.js';
import { scaled } from '../../support/fault-scale.js';

let world: World;
let sink: SmtpSink;
let app: App | undefined;

beforeEach(async () => {
  world = await createWorld(inject('kafkaBrokers'));
  sink = await startSmtpSink({ store: false });
});

afterEach(async () => {
  await app?.stop();
  app = undefined;
  await sink.stop();
  await world.close();
});

const outageMs = scaled(6_000, 30_000);

describe.each(['refuse', 'reply-421'] as const)('SMTP outage mid-load (%s)', (mode) => {
  it(`when the SMTP server is unavailable for ${outageMs / 1000} s › pauses, spends no attempts, dead-letters nothing, then delivers everything`, async () => {
    const ids = Array.from({ length: scaled(400, 3_000) }, (_, i) => `out-${mode}-${i}`);
    await produceEvents(world, ids);
    sink.setLatency(10);
    app = await startApp(serviceEnv(world, sink.port, { SMTP_BREAKER_PROBE_INTERVAL_MS: '500', SMTP_TIMEOUT_MS: '3000', EMAIL_WORKER_BUFFER: '50' }));
    await until(() => sink.count >= 50, { what: '50 mails before the outage' });
    await sink.setDown(true, mode);
    await until(async () => (await metricValue(app as App, 'email_dispatcher_smtp_circuit_open')) === 1, { what: 'circuit open', timeoutMs: 20_000 });
    const duringOutage = sink.count;
    await new Promise((r) => setTimeout(r, outageMs));
    expect(await metricValue(app, 'email_dispatcher_smtp_circuit_open')).toBe(1);
    expect(await metricValue(app, 'email_dispatcher_dead_lettered_total')).toBe(0);
    expect(app.health.liveness().ok).toBe(true);
    expect(sink.count).toBe(duringOutage);
    await sink.setDown(false);
    await until(() => ids.every((id) => sink.seen(`<${id}@acme.test>`)), { what: 'every event delivered', timeoutMs: 60_000 });
    await until(async () => (await committedLag(world)) === 0, { what: 'committed lag 0' });
    expect(await metricValue(app, 'email_dispatcher_smtp_circuit_open')).toBe(0);
    expect(await metricValue(app, 'email_dispatcher_dead_lettered_total')).toBe(0);
    expect(await readDlq(world, { expect: 1, timeoutMs: 3_000 })).toEqual([]);
    expect(sink.duplicates).toBe(0);
  });
});
