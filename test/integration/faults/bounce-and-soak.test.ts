import { readFileSync } from 'node:fs';

import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';

import { type SmtpSink, startSmtpSink } from '../../../dev/smtp-sink.js';
import { committedLag, createWorld, produceEvents, serviceEnv, until, type World } from '../../support/app-harness.js';
import { FULL, scaled } from '../../support/fault-scale.js';
import { type ServiceProcess, startService } from '../../support/service-process.js';

let world: World;
let sink: SmtpSink;
const running = new Set<ServiceProcess>();

beforeEach(async () => {
  world = await createWorld(inject('kafkaBrokers'), { partitions: 6 });
  sink = await startSmtpSink({ store: false });
});

afterEach(async () => {
  for (const s of running) {
    s.kill('SIGKILL');
    await s.exited;
  }
  running.clear();
  await sink.stop();
  await world.close();
});

function run(env: Record<string, string>): ServiceProcess {
  const service = startService({ ...env, LOG_LEVEL: 'info' });
  running.add(service);
  return service;
}

async function terminate(service: ServiceProcess): Promise<void> {
  // A SIGTERM while the process is still loading its modules kills it by the default action (143):
  // the test bounces a running service, so wait until it has joined.
  await service.waitForLog((l) => l.msg === 'joined consumer group', 60_000);
  service.kill('SIGTERM');
  expect(await service.exited).toBe(0);
  running.delete(service);
}

const delivered = (ids: string[]) => ids.every((id) => sink.seen(`<${id}@acme.test>`));

describe('SIGTERM bounces under load', () => {
  it('one instance bounced repeatedly › lost 0, duplicates 0', async () => {
    const ids = Array.from({ length: scaled(800, 4_000) }, (_, i) => `b1-${i}`);
    await produceEvents(world, ids);
    sink.setLatency(10);
    const env = serviceEnv(world, sink.port, { EMAIL_WORKER_COUNT: '5', EMAIL_WORKER_BUFFER: '40', LOG_LEVEL: 'info' });
    for (let bounce = 0; bounce < scaled(3, 5) && !delivered(ids); bounce += 1) {
      const service = run(env);
      const before = sink.count;
      await until(() => sink.count >= before + 50 || delivered(ids), { what: 'progress before the bounce', timeoutMs: 60_000 });
      await terminate(service);
    }
    run(env);
    await until(() => delivered(ids), { what: 'every event delivered', timeoutMs: 120_000 });
    await until(async () => (await committedLag(world)) === 0, { what: 'committed lag 0' });
    expect(sink.duplicates).toBe(0);
  });

  it('two instances bounced in turn › lost 0 (duplicates reported: only work in flight on a moved partition)', async () => {
    const ids = Array.from({ length: scaled(800, 4_000) }, (_, i) => `b2-${i}`);
    await produceEvents(world, ids);
    sink.setLatency(10);
    const env = serviceEnv(world, sink.port, { EMAIL_WORKER_COUNT: '5', EMAIL_WORKER_BUFFER: '40', LOG_LEVEL: 'info' });
    const pair = [run(env), run(env)];
    for (let bounce = 0; bounce < scaled(3, 5) && !delivered(ids); bounce += 1) {
      const i = bounce % 2;
      const before = sink.count;
      await until(() => sink.count >= before + 50 || delivered(ids), { what: 'progress before the bounce', timeoutMs: 60_000 });
      await terminate(pair[i] as ServiceProcess);
      pair[i] = run(env);
    }
    await until(() => delivered(ids), { what: 'every event delivered', timeoutMs: 120_000 });
    await until(async () => (await committedLag(world)) === 0, { what: 'committed lag 0' });
    console.info(`two instances, bounced in turn: ${sink.duplicates} duplicate(s) of ${ids.length}`);
    // A bounce is two scale events (leave, join), each repeating at most the sends in flight (2 × 5).
    expect(sink.duplicates).toBeLessThanOrEqual(scaled(3, 5) * 2 * 2 * 5);
  });
});

function rssKiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0);
}

describe('soak', () => {
  it('a sustained rate with 1 % transient SMTP failures › lost 0, memory flat', async () => {
    const seconds = scaled(15, 300);
    const rate = 100;
    sink.setFailureRate({ transient: 0.01 });
    const service = run(serviceEnv(world, sink.port, { EMAIL_RETRY_DELAYS_MS: '200,500,1000', EMAIL_MAX_RETRIES: '5' }));
    await service.waitForLog((l) => l.msg === 'joined consumer group');
    const ids: string[] = [];
    const samples: number[] = [];
    for (let s = 0; s < seconds; s += 1) {
      const batch = Array.from({ length: rate }, (_, i) => `soak-${s}-${i}`);
      ids.push(...batch);
      const tick = Date.now();
      await produceEvents(world, batch);
      samples.push(rssKiB(service.pid));
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - tick))));
    }
    await until(() => delivered(ids), { what: 'every soak event delivered', timeoutMs: 60_000 });
    await until(async () => (await committedLag(world)) === 0, { what: 'committed lag 0' });
    const third = samples.slice(Math.floor(samples.length / 3));
    const [first, last] = [third[0] as number, third[third.length - 1] as number];
    console.info(
      `soak ${seconds} s × ${rate}/s: RSS ${Math.round(first / 1024)} MiB → ${Math.round(last / 1024)} MiB, max ${Math.round(Math.max(...samples) / 1024)} MiB, duplicates ${sink.duplicates}`,
    );
    // Short runs only report; a long soak must not grow after warm-up.
    if (FULL) expect(last).toBeLessThan(first * 1.3);
  });
});
