import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';

import { type SmtpSink, startSmtpSink } from '../../../dev/smtp-sink.js';
import type { App } from '../../../src/app.js';
import { createWorld, produceEvents, serviceEnv, startApp, until, type World } from '../../support/app-harness.js';

let world: World;
let sink: SmtpSink;
let app: App | undefined;

beforeEach(async () => {
  world = await createWorld(inject('kafkaBrokers'), { partitions: 2 });
  sink = await startSmtpSink();
});

afterEach(async () => {
  await app?.stop();
  await sink.stop();
  await world.close();
});

describe('failures still retrying at shutdown', () => {
  it('are not committed: only they and what follows them in their partition are redelivered', async () => {
    const env = serviceEnv(world, sink.port, { EMAIL_WORKER_COUNT: '1', EMAIL_RETRY_DELAYS_MS: '60000', SHUTDOWN_TIMEOUT_MS: '1500' });
    sink.failNext(1, 451);
    await produceEvents(world, ['p0-0'], { partition: 0 });
    app = await startApp(env);
    await until(() => sink.rejected === 1, { what: 'the first attempt to fail' });
    await produceEvents(world, ['p0-1', 'p0-2', 'p0-3'], { partition: 0 });
    await produceEvents(world, ['p1-0', 'p1-1', 'p1-2'], { partition: 1 });
    await sink.waitFor(6, { timeoutMs: 30_000 });
    expect(await app.stop()).toBe(0);
    app = undefined;
    const [committed] = await world.admin.fetchOffsets({ groupId: world.groupId, topics: [world.topic] });
    const at = (p: number) => committed?.partitions.find((x) => x.partition === p)?.offset;
    expect(at(0)).toBe('0');
    expect(at(1)).toBe('3');

    app = await startApp(env);
    await until(() => sink.seen('<p0-0@acme.test>'), { what: 'the retried event to be delivered after restart' });
    await until(() => sink.count === 10, { what: 'the rest of partition 0 redelivered' });
    const sent = sink.received.map((m) => m.messageId);
    expect(sent.filter((id) => id?.startsWith('<p1-'))).toHaveLength(3);
    expect(sent.filter((id) => id?.startsWith('<p0-'))).toHaveLength(7);
  });
});
