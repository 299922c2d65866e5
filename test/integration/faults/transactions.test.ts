import { randomUUID } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { signupEvent } from '../../../dev/signup-event.js';
import { committedLag, metricValue, produceEvents, serviceEnv, startApp, until, useAppWorld } from '../../support/app-harness.js';

const ctx = useAppWorld({ partitions: 2 });

describe('a topic written by a transactional producer', () => {
  it('when committed and aborted transactions are mixed with plain records › sends the committed ones only and reaches lag 0', async () => {
    const producer = ctx.world.kafka.producer({ transactionalId: `tx-${randomUUID().slice(0, 8)}`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const send = (ids: string[]) => ({
      topic: ctx.world.topic,
      acks: -1,
      messages: ids.map((id, i) => ({ key: id, value: JSON.stringify(signupEvent(id)), partition: i % 2 })),
    });
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

const status = async (url: string) => (await fetch(url)).status;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('where the log ends and where it restarts', () => {
  it('when a transaction is left open after the last records › reported lag is 0 and /livez stays 200 through a quiet spell past LIVENESS_STALL_MS; its records go out once it commits', async () => {
    ctx.app = await startApp(
      serviceEnv(ctx.world, ctx.sink.port, { LIVENESS_STALL_MS: '2000', DLQ_PUBLISH_STALL_MS: '1000', EMAIL_WORKER_BUFFER: '1', EMAIL_WORKER_COUNT: '1' }),
    );
    const app = ctx.app;
    const livez = `http://127.0.0.1:${app.httpPort()}/livez`;
    // Hold the consumer inside a batch (one buffer slot, a slow send) so the records below the open
    // transaction are fetched only after it was written: that fetch reports a high watermark past them.
    ctx.sink.setLatency(1_500);
    await produceEvents(ctx.world, ['warm-1', 'warm-2'], { partition: 0 });
    await until(async () => (await metricValue(app, 'email_dispatcher_fetch_paused')) === 1, { what: 'the consumer waiting for a buffer slot' });
    await produceEvents(ctx.world, ['plain-1', 'plain-2', 'plain-3'], { partition: 0 });
    const producer = ctx.world.kafka.producer({
      transactionalId: `tx-${randomUUID().slice(0, 8)}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 120_000,
    });
    await producer.connect();
    try {
      const open = await producer.transaction();
      await open.send({ topic: ctx.world.topic, acks: -1, messages: [{ key: 'open-1', value: JSON.stringify(signupEvent('open-1')), partition: 0 }] });
      ctx.sink.setLatency(0);

      const before = ['warm-1', 'warm-2', 'plain-1', 'plain-2', 'plain-3'];
      await until(() => before.every((id) => ctx.sink.seen(`<${id}@acme.test>`)), { what: 'the records before the transaction delivered' });
      const lagOfPartition0 = async () => (await app.metrics.consumerLag.get()).values.find((v) => v.labels.partition === '0')?.value;
      await until(async () => (await lagOfPartition0()) === 0, { what: 'reported lag 0 below an open transaction', timeoutMs: 15_000 });
      for (let i = 0; i < 10; i += 1) {
        expect(await status(livez)).toBe(200);
        await sleep(500);
      }
      expect(await lagOfPartition0()).toBe(0);
      expect(ctx.sink.seen('<open-1@acme.test>')).toBe(false);

      await open.commit();
      await until(() => ctx.sink.seen('<open-1@acme.test>'), { what: "the transaction's record delivered once it committed" });
      await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0', timeoutMs: 20_000 });
      expect(ctx.sink.count).toBe(before.length + 1);
    } finally {
      await producer.disconnect();
    }
  });

  it("when the topic is deleted and created again while assigned › the new records are all delivered (none skipped as already seen) and each partition's rewind is counted", async () => {
    const logs: string[] = [];
    ctx.app = await startApp(serviceEnv(ctx.world, ctx.sink.port), { logs });
    const before = Array.from({ length: 10 }, (_, i) => `old-${i}`);
    await produceEvents(ctx.world, before.slice(0, 5), { partition: 0 });
    await produceEvents(ctx.world, before.slice(5), { partition: 1 });
    await until(() => before.every((id) => ctx.sink.seen(`<${id}@acme.test>`)), { what: "the first topic's records delivered" });
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0', timeoutMs: 20_000 });

    const { admin, topic } = ctx.world;
    await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
    await until(async () => !(await admin.listTopics()).includes(topic), { what: 'topic deleted' });
    await until(
      async () => {
        try {
          await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
          return true;
        } catch {
          return false; // still being deleted
        }
      },
      { what: 'topic created again', everyMs: 500 },
    );
    // Both positions (5) are past the new, empty log's end: KafkaJS resets them to the earliest offset.
    // Offsets alone cannot tell a new log that already grew past the old position (docs/operations.md).
    const resets = () => new Set(logs.filter((l) => l.includes('Offset out of range')).map((l) => (JSON.parse(l) as { partition: number }).partition)).size;
    await until(() => resets() === 2, { what: "both fetch positions reset to the new log's start" });
    // A fresh producer: the world's idempotent one keeps sequence numbers of the deleted partitions.
    const producer = ctx.world.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const after = Array.from({ length: 4 }, (_, i) => `new-${i}`);
    try {
      await producer.send({ topic, acks: -1, messages: after.map((id, i) => ({ key: id, value: JSON.stringify(signupEvent(id)), partition: i % 2 })) });
    } finally {
      await producer.disconnect();
    }
    await until(() => after.every((id) => ctx.sink.seen(`<${id}@acme.test>`)), { what: 'every record of the new topic delivered' });
    expect(await metricValue(ctx.app, 'email_dispatcher_offset_rewinds_total')).toBe(2);
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0 on the new topic', timeoutMs: 20_000 });
    expect(ctx.sink.count).toBe(before.length + after.length);
  });
});
