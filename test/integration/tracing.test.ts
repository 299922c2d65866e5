import { afterEach, describe, expect, it } from 'vitest';

import { type ReceivedSpan, startOtlpReceiver } from '../../dev/otlp-receiver.js';
import { signupEvent } from '../../dev/signup-event.js';
import type { Receipt } from '../../src/settle/publish/receipt-message.js';
import { committedLag, produceRaw, readDlq, serviceEnv, startApp, until, useAppWorld } from '../support/app-harness.js';
import { consumeAll, createTopic } from '../support/kafka.js';

const ctx = useAppWorld({ partitions: 1 });
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>> | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

/** Two upstream producers' span contexts, as their records' traceparent headers carry them. */
const UPSTREAM = {
  retried: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' },
  refused: { traceId: 'a3ce929d0e0e47364bf92f3577b34da6', spanId: '0ba902b700f067aa' },
};
const traceparent = ({ traceId, spanId }: { traceId: string; spanId: string }) => `00-${traceId}-${spanId}-01`;
const SPAN_KIND = { internal: 1, client: 3, producer: 4, consumer: 5 };

describe('OpenTelemetry traces to a real OTLP receiver (http/json), the service on the shared broker and a real SMTP sink', () => {
  it("continues each record's traceparent: event spans, an attempt span per SMTP attempt, the retry wait, the DLQ and receipt publishes; trace ids in the log line, the DLQ record and the receipts", async () => {
    receiver = await startOtlpReceiver();
    const receipts = await createTopic(ctx.world.brokers, `${ctx.world.topic}.receipts`, 1);
    const logs: string[] = [];
    const env = serviceEnv(ctx.world, ctx.sink.port, {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'email-dispatcher-it',
      KAFKA_RECEIPTS_TOPIC: receipts,
      EMAIL_RETRY_DELAYS_MS: '300',
      LOG_LEVEL: 'info',
    });
    // The first attempt of the first event gets a 451 and is retried; the second event is refused for good.
    ctx.sink.failNext(1, 451);
    await produceRaw(ctx.world, [
      { key: 'user-retried', value: JSON.stringify(signupEvent('tr-retried')), headers: { traceparent: traceparent(UPSTREAM.retried), tracestate: 'acme=1' } },
    ]);
    ctx.app = await startApp(env, { logs });
    await until(() => ctx.sink.count === 1, { what: 'the retried event sent' });
    ctx.sink.failNext(1, 550);
    await produceRaw(ctx.world, [
      { key: 'user-refused', value: JSON.stringify(signupEvent('tr-refused')), headers: { traceparent: traceparent(UPSTREAM.refused) } },
    ]);
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'both settled and committed' });
    // Stopping flushes the exporter: every span has arrived when stop() resolves.
    await ctx.app.stop();
    ctx.app = undefined;

    const spans = receiver.spans;
    expect(receiver.requests.every((r) => r.path === '/v1/traces' && r.contentType.startsWith('application/json'))).toBe(true);
    const inTrace = (traceId: string) => spans.filter((s) => s.traceId === traceId);
    const eventSpan = (traceId: string) => inTrace(traceId).find((s) => s.name === `process ${ctx.world.topic}`) as ReceivedSpan;

    // The retried event: its span is the upstream span's child; two attempts, one wait, one receipt.
    const retried = eventSpan(UPSTREAM.retried.traceId);
    expect(retried.parentSpanId).toBe(UPSTREAM.retried.spanId);
    expect(retried.kind).toBe(SPAN_KIND.consumer);
    expect(retried.resource['service.name']).toBe('email-dispatcher-it');
    expect(retried.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': ctx.world.topic,
      'messaging.destination.partition.id': '0',
      'messaging.kafka.offset': 0,
      'messaging.consumer.group.name': ctx.world.groupId,
      'email_dispatcher.event.id': 'tr-retried',
      'email_dispatcher.outcome': 'sent',
      'email_dispatcher.attempts': 2,
    });
    const children = inTrace(UPSTREAM.retried.traceId).filter((s) => s !== retried);
    expect(children.every((s) => s.parentSpanId === retried.spanId)).toBe(true);
    const attempts = children
      .filter((s) => s.name === 'smtp send')
      .sort((a, b) => Number(a.attributes['email_dispatcher.attempt']) - Number(b.attributes['email_dispatcher.attempt']));
    expect(
      attempts.map((s) => [
        s.kind,
        s.attributes['email_dispatcher.attempt'],
        s.attributes['email_dispatcher.attempt.result'],
        s.attributes['email_dispatcher.smtp.code'],
      ]),
    ).toEqual([
      [SPAN_KIND.client, 1, 'failed', 451],
      [SPAN_KIND.client, 2, 'sent', 250],
    ]);
    expect(children.filter((s) => s.name === 'retry wait').map((s) => s.attributes['email_dispatcher.retry.delay_ms'])).toEqual([300]);
    expect(children.filter((s) => s.name === `send ${receipts}`).map((s) => s.kind)).toEqual([SPAN_KIND.producer]);

    // The refused event: one attempt (550), the DLQ publish, the receipt; the event span failed.
    const refused = eventSpan(UPSTREAM.refused.traceId);
    expect(refused.parentSpanId).toBe(UPSTREAM.refused.spanId);
    expect(refused.attributes).toMatchObject({
      'email_dispatcher.outcome': 'dead-letter',
      'email_dispatcher.dlq.reason': 'smtp_permanent',
      'email_dispatcher.smtp.code': 550,
    });
    expect(refused.status.code).toBe(2);
    const dlqSpan = inTrace(UPSTREAM.refused.traceId).find((s) => s.name === `send ${ctx.world.dlqTopic}`) as ReceivedSpan;
    expect(dlqSpan.parentSpanId).toBe(refused.spanId);
    expect(dlqSpan.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': ctx.world.dlqTopic,
      'messaging.operation.type': 'send',
    });

    // The DLQ record carries the trace id and names its publish span; the receipts carry the trace ids.
    const [dlq] = await readDlq(ctx.world, { expect: 1 });
    expect(dlq?.headers['dlq.trace.id']).toBe(UPSTREAM.refused.traceId);
    expect(dlq?.headers.traceparent).toBe(`00-${UPSTREAM.refused.traceId}-${dlqSpan.spanId}-01`);
    const read = await consumeAll(ctx.world.brokers, receipts, { expected: 2 });
    const receiptOf = (eventId: string) => read.map((m) => JSON.parse(m.value ?? '{}') as Receipt).find((r) => r.eventId === eventId);
    expect(receiptOf('tr-retried')?.traceId).toBe(UPSTREAM.retried.traceId);
    expect(receiptOf('tr-refused')?.traceId).toBe(UPSTREAM.refused.traceId);

    // The per-email log lines name the trace.
    const lines = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === 'email sent' && l.eventId === 'tr-retried')?.traceId).toBe(UPSTREAM.retried.traceId);
    expect(lines.find((l) => l.msg === 'message dead-lettered' && l.eventId === 'tr-refused')?.traceId).toBe(UPSTREAM.refused.traceId);

    // No address on any span (the events' addresses are at example.test).
    expect(JSON.stringify(spans)).not.toContain('example.test');
  }, 90_000);

  it("with http/protobuf (the spec's default protocol) › the exporter posts protobuf that holds the upstream trace id", async () => {
    receiver = await startOtlpReceiver();
    const env = serviceEnv(ctx.world, ctx.sink.port, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.endpoint}/v1/traces` });
    await produceRaw(ctx.world, [{ key: 'user-pb', value: JSON.stringify(signupEvent('tr-pb')), headers: { traceparent: traceparent(UPSTREAM.retried) } }]);
    ctx.app = await startApp(env);
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'settled and committed' });
    await ctx.app.stop();
    ctx.app = undefined;
    expect(receiver.requests.length).toBeGreaterThan(0);
    expect(receiver.requests.every((r) => r.path === '/v1/traces' && r.contentType === 'application/x-protobuf')).toBe(true);
    // Trace ids are raw 16-byte fields in protobuf.
    expect(Buffer.concat(receiver.requests.map((r) => r.body)).includes(Buffer.from(UPSTREAM.retried.traceId, 'hex'))).toBe(true);
  }, 60_000);
});
