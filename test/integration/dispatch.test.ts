import { describe, expect, it } from 'vitest';

import { signupEvent } from '../../dev/signup-event.js';
import { DLQ_HEADERS } from '../../src/settle/publish/dlq-message.js';
import { committedLag, metricValue, produceEvents, produceRaw, readDlq, serviceEnv, startApp, until, useAppWorld } from '../support/app-harness.js';

const ctx = useAppWorld();

describe('email dispatcher on a real broker and SMTP server', () => {
  it('when N events arrive › sends N emails, each Message-ID once, and commits to lag 0', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `n-${i}`);
    await produceEvents(ctx.world, ids);
    ctx.app = await startApp(serviceEnv(ctx.world, ctx.sink.port));
    await ctx.sink.waitFor(ids.length, { timeoutMs: 30_000 });
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0' });
    expect(new Set(ctx.sink.received.map((m) => m.messageId))).toEqual(new Set(ids.map((id) => `<${id}@acme.test>`)));
    expect(ctx.sink.duplicates).toBe(0);
    const mail = ctx.sink.received.find((m) => m.messageId === '<n-7@acme.test>');
    expect(mail?.envelope.to).toEqual(['n-7@example.test']);
    expect(mail?.subject).toBe('Welcome, User n-7!');
    expect(await metricValue(ctx.app, 'email_dispatcher_emails_sent_total')).toBe(ids.length);
  });

  it('when SMTP answers 451 twice › delivers on the third attempt after the 1 s and 5 s delays', async () => {
    ctx.sink.failNext(2, 451);
    await produceEvents(ctx.world, ['retry-1']);
    const started = Date.now();
    ctx.app = await startApp(serviceEnv(ctx.world, ctx.sink.port));
    await ctx.sink.waitFor(1, { timeoutMs: 30_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(6_000);
    expect(ctx.sink.rejected).toBe(2);
    expect(await metricValue(ctx.app, 'email_dispatcher_retries_total', { attempt: '1' })).toBe(1);
    expect(await metricValue(ctx.app, 'email_dispatcher_retries_total', { attempt: '2' })).toBe(1);
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0' });
  });

  it('when SMTP answers 550 › dead-letters at once with the original record and every provenance header', async () => {
    ctx.sink.failNext(1, 550);
    await produceRaw(ctx.world, [{ key: 'user-p1', value: JSON.stringify(signupEvent('perm-1')), headers: { 'trace-id': 'abc' }, partition: 1 }]);
    ctx.app = await startApp(serviceEnv(ctx.world, ctx.sink.port));
    const [dead] = await readDlq(ctx.world, { expect: 1 });
    expect(dead?.key).toBe('user-p1');
    expect(JSON.parse(dead?.value?.toString() ?? '{}')).toMatchObject({ eventId: 'perm-1' });
    expect(dead?.headers).toMatchObject({
      'trace-id': 'abc',
      [DLQ_HEADERS.reason]: 'smtp_permanent',
      [DLQ_HEADERS.smtpCode]: '550',
      [DLQ_HEADERS.attempts]: '1',
      [DLQ_HEADERS.topic]: ctx.world.topic,
      [DLQ_HEADERS.partition]: '1',
      [DLQ_HEADERS.offset]: '0',
      [DLQ_HEADERS.group]: ctx.world.groupId,
    });
    expect(dead?.headers[DLQ_HEADERS.timestamp]).toMatch(/^\d+$/);
    expect(new Date(dead?.headers[DLQ_HEADERS.failedAt] ?? '').getTime()).toBeGreaterThan(0);
    expect(dead?.headers[DLQ_HEADERS.error]).not.toContain('perm-1@example.test');
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0' });
    expect(ctx.sink.count).toBe(0);
  });

  it('when events are invalid › dead-letters each as invalid_event and later events on the same partition still flow', async () => {
    const bad: Array<Buffer | string | null> = [
      'not json',
      JSON.stringify({ ...signupEvent('x'), type: 'user.deleted' }),
      JSON.stringify({ eventId: 'missing-user', type: 'user.signed_up', occurredAt: new Date().toISOString() }),
      JSON.stringify(signupEvent('bad-mail', { user: { id: 'u', email: 'not-an-address' } })),
      Buffer.from([0xff, 0xfe, 0xfd]),
      Buffer.alloc(1024 * 1024 + 10, 0x20),
      null,
    ];
    await produceRaw(ctx.world, [...bad.map((value) => ({ value, partition: 0 })), { value: JSON.stringify(signupEvent('after-bad')), partition: 0 }]);
    ctx.app = await startApp(serviceEnv(ctx.world, ctx.sink.port));
    await ctx.sink.waitFor(1, { timeoutMs: 30_000 });
    expect(ctx.sink.received[0]?.messageId).toBe('<after-bad@acme.test>');
    const dead = await readDlq(ctx.world, { expect: bad.length });
    expect(dead).toHaveLength(bad.length);
    expect(new Set(dead.map((d) => d.headers[DLQ_HEADERS.reason]))).toEqual(new Set(['invalid_event']));
    expect(dead.map((d) => d.headers[DLQ_HEADERS.offset]).sort()).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    // The 1 MiB+ value is over the DLQ topic's limit: dead-lettered without its value, and says so.
    const oversize = dead.find((d) => d.headers[DLQ_HEADERS.offset] === '5');
    expect(oversize?.headers[DLQ_HEADERS.valueDropped]).toBe('message_too_large');
    expect(oversize?.value).toBeNull();
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0' });
  });

  it('with one partition, 10 workers and 100 ms SMTP latency › sends from that one partition concurrently', async () => {
    ctx.sink.setLatency(100);
    const ids = Array.from({ length: 100 }, (_, i) => `fast-${i}`);
    await produceEvents(ctx.world, ids, { partition: 0 });
    ctx.app = await startApp(serviceEnv(ctx.world, ctx.sink.port, { EMAIL_WORKER_COUNT: '10' }));
    await ctx.sink.waitFor(ids.length, { timeoutMs: 60_000 });
    // One send at a time puts each acceptance >= 100 ms after the previous one (the sink's DATA latency), so
    // at most one lands in any 50 ms window; concurrent sends end together. How fast it is: BENCHMARKS.md.
    expect(
      peakWithin(
        ctx.sink.received.map((m) => m.receivedAt.getTime()),
        50,
      ),
    ).toBeGreaterThanOrEqual(5);
  });

  it('while a 10× larger backlog drains › never holds more than EMAIL_WORKER_BUFFER messages', async () => {
    ctx.sink.setLatency(5);
    const ids = Array.from({ length: 200 }, (_, i) => `buf-${i}`);
    await produceEvents(ctx.world, ids);
    ctx.app = await startApp(serviceEnv(ctx.world, ctx.sink.port, { EMAIL_WORKER_COUNT: '5', EMAIL_WORKER_BUFFER: '20' }));
    // Observed from outside the buffer: admitted by intake, not yet received by the SMTP server.
    let maxHeld = 0;
    let paused = 0;
    while (ctx.sink.count < ids.length) {
      const admitted = await metricValue(ctx.app, 'email_dispatcher_messages_consumed_total');
      maxHeld = Math.max(maxHeld, admitted - ctx.sink.count);
      paused = Math.max(paused, await metricValue(ctx.app, 'email_dispatcher_fetch_paused'));
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(maxHeld).toBeGreaterThan(0);
    expect(maxHeld).toBeLessThanOrEqual(20);
    expect(paused).toBe(1);
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0' });
  });

  it('when every partition has a backlog larger than the buffer › admits from all of them in turn, not one whole batch after another', async () => {
    // After a restart the records a crashed instance had in flight sit at the front of every partition;
    // taking one partition's whole fetched batch (thousands) first leaves the others' waiting for minutes.
    ctx.sink.setLatency(10);
    const perPartition = 150;
    for (let p = 0; p < 3; p += 1)
      await produceEvents(
        ctx.world,
        Array.from({ length: perPartition }, (_, i) => `turn-p${p}-${i}`),
        { partition: p },
      );
    ctx.app = await startApp(serviceEnv(ctx.world, ctx.sink.port, { EMAIL_WORKER_COUNT: '3', EMAIL_WORKER_BUFFER: '6' }));
    await ctx.sink.waitFor(30, { timeoutMs: 30_000 });
    const first30 = ctx.sink.received.slice(0, 30).map((m) => m.messageId);
    for (let p = 0; p < 3; p += 1) expect(first30, `partition ${p}'s first record among the first 30 sent`).toContain(`<turn-p${p}-0@acme.test>`);
    await ctx.sink.waitFor(3 * perPartition, { timeoutMs: 60_000 });
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0' });
  });
});

/** The most timestamps that fall within any window of `windowMs`. */
function peakWithin(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let start = 0, end = 0; end < sorted.length; end += 1) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) > windowMs) start += 1;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}
