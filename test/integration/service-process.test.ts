import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';

import { freePort } from '../../dev/loadtest/free-port.js';
import { type SmtpSink, startSmtpSink } from '../../dev/smtp-sink.js';
import { committedLag, createWorld, produceEvents, readDlq, serviceEnv, until, type World } from '../support/app-harness.js';
import { type ServiceProcess, startService } from '../support/service-process.js';

let world: World;
let sink: SmtpSink;
const running: ServiceProcess[] = [];

function run(env: Record<string, string>): ServiceProcess {
  const service = startService({ ...env, LOG_LEVEL: 'info' });
  running.push(service);
  return service;
}

const started = (service: ServiceProcess) => service.waitForLog((l) => l.msg === 'joined consumer group');

beforeEach(async () => {
  world = await createWorld(inject('kafkaBrokers'));
  sink = await startSmtpSink({ store: false });
});

afterEach(async () => {
  for (const service of running.splice(0)) {
    service.kill('SIGKILL');
    await service.exited;
  }
  await sink.stop();
  await world.close();
});

describe('the service as a process', () => {
  it('when stopped with SIGTERM mid-load and restarted › delivers every event exactly once', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `term-${i}`);
    await produceEvents(world, ids);
    sink.setLatency(20);
    const env = serviceEnv(world, sink.port, { EMAIL_WORKER_COUNT: '5', EMAIL_WORKER_BUFFER: '50' });
    const first = run(env);
    await until(() => sink.count >= 60, { what: '60 mails', timeoutMs: 60_000 });
    first.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(sink.count).toBeLessThan(ids.length);
    const second = run(env);
    await started(second);
    await sink.waitFor(ids.length, { timeoutMs: 60_000 });
    await until(async () => (await committedLag(world)) === 0, { what: 'committed lag 0' });
    expect(sink.duplicates).toBe(0);
    expect(ids.every((id) => sink.seen(`<${id}@acme.test>`))).toBe(true);
  });

  it('when killed with SIGKILL mid-load and restarted › delivers every event at least once', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `kill-${i}`);
    await produceEvents(world, ids);
    sink.setLatency(20);
    const env = serviceEnv(world, sink.port, { EMAIL_WORKER_COUNT: '5', EMAIL_WORKER_BUFFER: '50' });
    const first = run(env);
    await until(() => sink.count >= 60, { what: '60 mails', timeoutMs: 60_000 });
    first.kill('SIGKILL');
    await first.exited;
    run(env);
    await until(() => ids.every((id) => sink.seen(`<${id}@acme.test>`)), { what: 'every event delivered', timeoutMs: 90_000 });
    await until(async () => (await committedLag(world)) === 0, { what: 'committed lag 0' });
    // Duplicates are the sends in flight (5) plus what settled within one commit round trip; with a
    // commit per second (the old rule) it was about a second of sends (~250 here).
    console.info(`SIGKILL mid-load: ${sink.duplicates} duplicate(s) of ${ids.length}`);
    expect(sink.duplicates).toBeLessThanOrEqual(50);
  });

  it('when the SMTP password is wrong › exits non-zero, dead-letters nothing, commits nothing, never logs the password', async () => {
    await sink.stop();
    sink = await startSmtpSink({ auth: { user: 'mailer', pass: 'right-password' } });
    await produceEvents(world, ['auth-1', 'auth-2']);
    const service = run(serviceEnv(world, sink.port, { SMTP_USER: 'mailer', SMTP_PASS: 'wrong-Pa55word' }));
    expect(await service.exited).not.toBe(0);
    expect(sink.count).toBe(0);
    expect(await readDlq(world, { expect: 1, timeoutMs: 4_000 })).toEqual([]);
    expect(await committedLag(world)).toBe(2);
    expect(service.lines.join('\n')).not.toContain('wrong-Pa55word');
    expect(service.logs().some((l) => l.level === 'fatal')).toBe(true);
  });

  it('on SIGTERM › /readyz answers 503 while in-flight work drains, before the process leaves the group', async () => {
    const port = await freePort();
    sink.setLatency(300);
    await produceEvents(
      world,
      Array.from({ length: 40 }, (_, i) => `ready-${i}`),
    );
    const service = run(serviceEnv(world, sink.port, { HTTP_PORT: String(port), EMAIL_WORKER_COUNT: '2' }));
    await until(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200, { what: 'ready', timeoutMs: 60_000 });
    await until(() => sink.count >= 2, { what: 'first mails' });
    service.kill('SIGTERM');
    await until(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 503, { what: 'readyz 503', everyMs: 10 });
    const stillDraining = !service.logs().some((l) => l.msg === 'stopped');
    expect(stillDraining).toBe(true);
    expect(await service.exited).toBe(0);
  });
});
