import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signupEvent } from '../../../dev/signup-event.js';
import { committedLag, metricValue, serviceEnv, startApp, until, useAppWorld } from '../../support/app-harness.js';

const ctx = useAppWorld({ partitions: 2 });

describe('a topic written by a transactional producer (issue 11, defect 4)', () => {
  it('when committed and aborted transactions are mixed with plain records › sends the committed ones only and reaches lag 0', async () => {
    const producer = ctx.world.kafka.producer({ transactionalId: `tx-${randomUUID().slice(0, 8)}`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const send = (ids: string[]) => ({ topic: ctx.world.topic, acks: -1, messages: ids.map((id, i) => ({ key: id, value: JSON.stringify(signupEvent(id)), partition: i % 2 })) });
    try {
      const committed = await producer.transaction();
      await committed.send(send(['tx-1', 'tx-2', 'tx-3', 'tx-4']));
      await committed.commit();
      const aborted = await producer.transaction();
      await aborted.send(send(['ab-1', 'ab-2']));
      await aborted.abort();
      await ctx.world.producer.send(send(['plain-1', 'plain-2']));
      // A committed transaction last: its marker is the partitions' final offset.
      const last = await producer.transaction();
      await last.send(send(['tx-5', 'tx-6']));
      await last.commit();
    } finally {
      await producer.disconnect();
    }

    ctx.app = await startApp(serviceEnv(ctx.world, ctx.sink.port));
    const wanted = ['tx-1', 'tx-2', 'tx-3', 'tx-4', 'plain-1', 'plain-2', 'tx-5', 'tx-6'];
    await until(() => wanted.every((id) => ctx.sink.seen(`<${id}@acme.test>`)), { what: 'every committed event delivered' });
    // Offsets of markers and aborted records are never delivered: the commit must pass them anyway.
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0 past the transaction markers', timeoutMs: 20_000 });
    await until(async () => (await metricValue(ctx.app!, 'email_dispatcher_consumer_lag_messages')) === 0, { what: 'reported lag 0', timeoutMs: 5_000 });
    expect(ctx.sink.seen('<ab-1@acme.test>') || ctx.sink.seen('<ab-2@acme.test>')).toBe(false);
    expect(ctx.sink.count).toBe(wanted.length);
  });
});
