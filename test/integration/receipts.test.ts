import { describe, expect, it } from 'vitest';
import { signupEvent } from '../../dev/signup-event.js';
import { RECEIPT_CONTENT_TYPE, type Receipt } from '../../src/settle/receipt-message.js';
import { committedLag, metricValue, produceEvents, produceRaw, serviceEnv, startApp, until, useAppWorld } from '../support/app-harness.js';
import { consumeAll, createTopic } from '../support/kafka.js';

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
      expect(got?.receipt).toMatchObject({ eventId: id, outcome: 'sent', messageId: `<${id}@acme.test>`, smtpCode: 250, attempts: 1, relay: 'primary', source: { topic: ctx.world.topic } });
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

  it('a receipts topic that cannot be written holds the offsets (the same rule as the DLQ); they move once it can', async () => {
    const receipts = `${ctx.world.topic}.receipts-later`;
    await produceEvents(ctx.world, ['late-1', 'late-2']);
    ctx.app = await startApp(serviceEnv(ctx.world, ctx.sink.port, { KAFKA_RECEIPTS_TOPIC: receipts }));
    await ctx.sink.waitFor(2, { timeoutMs: 30_000 });
    // Sent, but not settled: no receipt is durable yet, so nothing is committed.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await committedLag(ctx.world)).toBe(2);
    await createTopic(ctx.world.brokers, receipts, 1);
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0 once the receipts topic exists', timeoutMs: 60_000 });
    const read = await consumeAll(ctx.world.brokers, receipts, { expected: 2 });
    expect(new Set(read.map((m) => m.key))).toEqual(new Set(['late-1', 'late-2']));
  });
});
