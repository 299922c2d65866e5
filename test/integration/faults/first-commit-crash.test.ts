import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';

import { type SmtpSink, startSmtpSink } from '../../../dev/smtp-sink.js';
import { committedLag, createWorld, produceEvents, serviceEnv, until, type World } from '../../support/app-harness.js';
import { type ServiceProcess, startService } from '../../support/service-process.js';

let world: World;
let sink: SmtpSink;
const running: ServiceProcess[] = [];

beforeEach(async () => {
  world = await createWorld(inject('kafkaBrokers'));
  sink = await startSmtpSink({ store: false });
});

afterEach(async () => {
  for (const s of running.splice(0)) {
    s.kill('SIGKILL');
    await s.exited;
  }
  await sink.stop();
  await world.close();
});

describe('a new group that crashes before its first commit', () => {
  it('skips nothing on restart: it starts again from the earliest offset', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `first-${i}`);
    await produceEvents(world, ids);
    sink.setLatency(20);
    const first = startService(serviceEnv(world, sink.port, { KAFKA_COMMIT_INTERVAL_MS: '600000', EMAIL_WORKER_COUNT: '2' }));
    running.push(first);
    await until(() => sink.count >= 10, { what: 'some mails' });
    first.kill('SIGKILL');
    await first.exited;
    const [before] = await world.admin.fetchOffsets({ groupId: world.groupId, topics: [world.topic] });
    expect(before?.partitions.every((p) => Number(p.offset) < 0)).toBe(true);
    running.push(startService(serviceEnv(world, sink.port)));
    await until(() => ids.every((id) => sink.seen(`<${id}@acme.test>`)), { what: 'every event delivered', timeoutMs: 60_000 });
    await until(async () => (await committedLag(world)) === 0, { what: 'committed lag 0' });
  });
});
