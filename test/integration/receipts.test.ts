import { describe, expect, it } from 'vitest';

import { signupEvent } from '../../dev/signup-event.js';
import { type Receipt, RECEIPT_CONTENT_TYPE } from '../../src/settle/publish/receipt-message.js';
import { committedLag, metricValue, produceEvents, produceRaw, serviceEnv, startApp, until, useAppWorld } from '../support/app-harness.js';
import { consumeAll, createTopic } from '../support/kafka.js';
import { startService } from '../support/service-process.js';

const ctx = useAppWorld();

describe('delivery receipts on Kafka (KAFKA_RECEIPTS_TOPIC)', () => {
  it('every settled event gets one receipt keyed by eventId: sent with the server reply, dead-lettered with the reason', async () => {
    const receipts = await createTopic(ctx.world.brokers, `${ctx.world.topic}.receipts`, 2);
    const ids = Array.from({ length: 20 }, (_, i) => `rc-${i}`);
    // The 550 goes to the only event there is at first; the rest come after it was refused.
    ctx.sink.failNext(1, 550);
    await produceRaw(ctx.world, [{ key: 'user-perm', value: JSON.stringify(signupEvent('rc-perm')), partition: 0 }]);
    ctx.app = await startApp(serviceEnv(ctx.world, ctx.sink.port, { KAFKA_RECEIPTS_TOPIC: receipts }));
    await until(() => ctx.sink.rejected === 1, { what: 'the 550' });
    await produceEvents(ctx.world, ids);
    await produceRaw(ctx.world, [{ key: 'user-bad', value: '{"eventId": "rc-bad"', partition: 1 }]);
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0' });

    const read = await consumeAll(ctx.world.brokers, receipts, { expected: ids.length + 2 });
    const byKey = new Map(read.map((m) => [m.key, { ...m, receipt: JSON.parse(m.value ?? '{}') as Receipt }]));
    // At least once: no event without its receipt.
    for (const id of ids) {
      const got = byKey.get(id);
      expect(got?.receipt).toMatchObject({
        eventId: id,
        outcome: 'sent',
        messageId: `<${id}@acme.test>`,
        smtpCode: 250,
        attempts: 1,
        relay: 'primary',
        source: { topic: ctx.world.topic },
      });
      expect(got?.receipt.smtpReply).toMatch(/^250\b/);
      expect(got?.headers['content-type']).toBe(RECEIPT_CONTENT_TYPE);
    }
    expect(byKey.get('rc-perm')?.receipt).toMatchObject({ outcome: 'dead_lettered', dlqReason: 'smtp_permanent', smtpCode: 550, messageId: null });
    expect(byKey.get('user-bad')?.receipt).toMatchObject({ outcome: 'dead_lettered', dlqReason: 'invalid_event', eventId: null });
    // Without a crash, exactly one each.
    expect(read).toHaveLength(ids.length + 2);
    expect(read.map((m) => m.value ?? '').join('\n')).not.toContain('@example.test');
    expect(await metricValue(ctx.app, 'email_dispatcher_receipts_published_total', { outcome: 'sent' })).toBe(ids.length);
  });

  it('when the receipts topic does not exist › the service stops at start (exit 2, one line naming KAFKA_RECEIPTS_TOPIC), sending and committing nothing', async () => {
    const receipts = `${ctx.world.topic}.receipts-missing`;
    await produceEvents(ctx.world, ['none-1']);
    const service = startService(serviceEnv(ctx.world, ctx.sink.port, { KAFKA_RECEIPTS_TOPIC: receipts }));
    expect(await service.exited).toBe(2);
    expect(service.lines).toEqual([
      'email-dispatcher: invalid configuration',
      `  KAFKA_RECEIPTS_TOPIC: topic "${receipts}" does not exist on the brokers (or this client may not describe it); create it first`,
    ]);
    expect(ctx.sink.count).toBe(0);
    expect(await committedLag(ctx.world)).toBe(1);
  }, 60_000);

  it('when the receipts topic goes away under load › counted, unready, /livez holds past LIVENESS_STALL_MS, offsets held; once it is back every email went out exactly once', async () => {
    const receipts = await createTopic(ctx.world.brokers, `${ctx.world.topic}.receipts-gone`, 1);
    const env = { KAFKA_RECEIPTS_TOPIC: receipts, RECEIPT_PUBLISH_STALL_MS: '1000', DLQ_PUBLISH_STALL_MS: '1000', LIVENESS_STALL_MS: '4000' };
    ctx.app = await startApp(serviceEnv(ctx.world, ctx.sink.port, env));
    const app = ctx.app;
    const probe = async (path: string) => (await fetch(`http://127.0.0.1:${app.httpPort()}${path}`)).status;
    await produceEvents(ctx.world, ['before-1', 'before-2']);
    await until(async () => (await committedLag(ctx.world)) === 0 && (await probe('/readyz')) === 200, { what: 'the first receipts acknowledged, ready' });

    // Deleted with auto-creation off: KafkaJS's send() retries the metadata for ever and never rejects.
    await ctx.world.admin.deleteTopics({ topics: [receipts] });
    const ids = Array.from({ length: 50 }, (_, i) => `gone-${i}`);
    await produceEvents(ctx.world, ids);
    await until(async () => (await metricValue(app, 'email_dispatcher_receipt_publish_errors_total')) >= 1, {
      what: 'the stalled publish counted',
      timeoutMs: 30_000,
    });
    expect(await metricValue(app, 'email_dispatcher_receipt_publish_stalled_requests')).toBe(1);
    expect(await probe('/readyz')).toBe(503);
    // A supervisor acting on /livez (the kubelet) would restart a pod that fails it, and the restart
    // would send every uncommitted email again: it must see a pod waiting on Kafka, not a wedged one.
    const livez: number[] = [];
    for (const stopAt = Date.now() + 10_000; Date.now() < stopAt;) {
      livez.push(await probe('/livez'));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(livez.filter((status) => status !== 200)).toEqual([]);
    expect(await committedLag(ctx.world)).toBeGreaterThan(0);

    await createTopic(ctx.world.brokers, receipts, 1);
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0 once the receipts topic is back', timeoutMs: 90_000 });
    await until(async () => (await probe('/readyz')) === 200, { what: 'ready again' });
    expect(await metricValue(app, 'email_dispatcher_receipt_publish_stalled_requests')).toBe(0);
    const sends = new Map<string, number>();
    for (const mail of ctx.sink.received) sends.set(mail.messageId ?? '', (sends.get(mail.messageId ?? '') ?? 0) + 1);
    expect(sends.size).toBe(ids.length + 2);
    expect([...sends.values()].filter((n) => n > 1)).toEqual([]);
    const read = await consumeAll(ctx.world.brokers, receipts, { expected: ids.length });
    expect(new Set(read.map((m) => m.key))).toEqual(new Set(ids));
  }, 180_000);
});
