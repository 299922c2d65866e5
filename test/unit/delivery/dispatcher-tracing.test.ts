import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ProducerRecord } from 'kafkajs';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { toConsumedRecord } from '../../../src/intake/to-consumed-record.js';
import type { ConsumedRecord } from '../../../src/pipeline/outcome.js';
import { createMetrics } from '../../../src/platform/metrics.js';
import { OffsetTracker } from '../../../src/settle/offset-tracker.js';
import { createDlqPublisher } from '../../../src/settle/publish/dlq-publisher.js';
import { createReceipts } from '../../../src/settle/publish/receipts.js';
import { createSettler } from '../../../src/settle/settler.js';
import { buildDispatcher, scriptedMailer, signupValue, silentLogger, smtpError } from '../../support/pipeline.js';
import { memoryTracing, parentOf, UPSTREAM, UPSTREAM_TRACEPARENT } from '../../support/tracing.js';

/** Dispatcher → real settler → DLQ and receipt publishers on producers that acknowledge at once. */
async function tracedPipeline(behaviour: Parameters<typeof scriptedMailer>[0]) {
  const { sdk, spans } = await memoryTracing();
  const produced: ProducerRecord[] = [];
  const producer = {
    send: async (r: ProducerRecord) => {
      produced.push(r);
      return r.messages.map((m) => ({ topicName: r.topic, partition: m.partition ?? 0, errorCode: 0, baseOffset: '0' }));
    },
  };
  const metrics = createMetrics({ registry: new Registry(), defaults: false });
  const tracker = new OffsetTracker();
  tracker.retain([{ topic: 'signups', partition: 0 }]);
  const settle = createSettler({
    tracker,
    publishDlq: createDlqPublisher({ producer, topic: 'signups.dlq', groupId: 'group-1', metrics, logger: silentLogger }),
    publishReceipt: createReceipts({
      producer,
      topic: 'receipts',
      partitionCount: async () => 1,
      relay: 'primary',
      metrics,
      logger: silentLogger,
      stallAfterMs: 60_000,
    }),
    metrics,
    logger: silentLogger,
    onProgress: () => {},
  });
  const mailer = scriptedMailer(behaviour);
  const { submit, outcomes } = buildDispatcher({ mailer, delaysMs: [5], maxRetries: 1, settle });
  const admit = (eventId: string, offset: number): ConsumedRecord => {
    const ticket = tracker.track('signups', 0, BigInt(offset));
    if (!ticket) throw new Error('not tracked');
    const message = {
      key: Buffer.from('k'),
      value: signupValue(eventId),
      headers: { traceparent: Buffer.from(UPSTREAM_TRACEPARENT) },
      timestamp: '0',
      attributes: 0,
      offset: String(offset),
    };
    const record = toConsumedRecord(message as never, ticket);
    const trace = sdk.startEvent({ topic: 'signups', partition: 0, offset: String(offset), headers: message.headers, eventId });
    return { ...record, trace };
  };
  const settled = async (count: number) => {
    for (let i = 0; i < 200 && outcomes.length < count; i++) await new Promise((r) => setTimeout(r, 5));
    return spans();
  };
  return { submit, admit, settled, produced };
}

describe('Dispatcher with tracing on', () => {
  it('when SMTP answers 451 then 250 › one event span (child of the upstream traceparent) with two attempt spans, a retry wait and the receipt publish', async () => {
    const { submit, admit, settled, produced } = await tracedPipeline((_mail, attempt) => {
      if (attempt === 1) throw smtpError(451);
    });
    submit(admit('evt-1', 0));
    const spans = await settled(1);
    const event = spans.find((s) => s.name === 'process signups');
    expect(parentOf(event!)).toBe(UPSTREAM.spanId);
    expect(event?.attributes).toMatchObject({ 'email_dispatcher.outcome': 'sent', 'email_dispatcher.attempts': 2 });
    const children = spans.filter((s) => s !== event);
    expect(children.every((s) => parentOf(s) === event?.spanContext().spanId && s.spanContext().traceId === UPSTREAM.traceId)).toBe(true);
    expect(children.map((s) => s.name)).toEqual(['smtp send', 'retry wait', 'smtp send', 'send receipts']);
    const [first, wait, second, receipt] = children;
    expect(first?.kind).toBe(SpanKind.CLIENT);
    expect(first?.attributes).toMatchObject({ 'email_dispatcher.attempt': 1, 'email_dispatcher.attempt.result': 'failed', 'email_dispatcher.smtp.code': 451 });
    expect(first?.status.code).toBe(SpanStatusCode.ERROR);
    expect(wait?.attributes).toMatchObject({ 'email_dispatcher.retry.delay_ms': 5, 'email_dispatcher.attempts': 1 });
    expect(second?.attributes).toMatchObject({ 'email_dispatcher.attempt': 2, 'email_dispatcher.attempt.result': 'sent' });
    expect(receipt?.kind).toBe(SpanKind.PRODUCER);
    expect(receipt?.attributes).toMatchObject({ 'messaging.system': 'kafka', 'messaging.destination.name': 'receipts', 'messaging.operation.type': 'send' });
    // The receipt names the trace, and its record names the publish span.
    const sentReceipt = produced.find((r) => r.topic === 'receipts')?.messages[0];
    expect(JSON.parse(String(sentReceipt?.value))).toMatchObject({ traceId: UPSTREAM.traceId });
    expect(sentReceipt?.headers?.traceparent).toBe(`00-${UPSTREAM.traceId}-${receipt?.spanContext().spanId}-01`);
  });

  it('when SMTP answers 550 › the DLQ publish is a span; the DLQ record carries the trace id and names that span', async () => {
    const { submit, admit, settled, produced } = await tracedPipeline(() => {
      throw smtpError(550);
    });
    submit(admit('evt-2', 0));
    const spans = await settled(1);
    expect(spans.map((s) => s.name)).toEqual(['smtp send', 'send signups.dlq', 'send receipts', 'process signups']);
    const dlqSpan = spans[1];
    const event = spans[3];
    expect(event?.attributes).toMatchObject({
      'email_dispatcher.outcome': 'dead-letter',
      'email_dispatcher.dlq.reason': 'smtp_permanent',
      'email_dispatcher.smtp.code': 550,
    });
    expect(event?.status.code).toBe(SpanStatusCode.ERROR);
    const dlq = produced.find((r) => r.topic === 'signups.dlq')?.messages[0];
    expect(dlq?.headers?.['dlq.trace.id']).toBe(UPSTREAM.traceId);
    expect(dlq?.headers?.traceparent).toBe(`00-${UPSTREAM.traceId}-${dlqSpan?.spanContext().spanId}-01`);
  });

  it('puts no address on any span', async () => {
    const { submit, admit, settled } = await tracedPipeline(() => {
      throw Object.assign(new Error('550 5.1.1 <user@example.test>: no such user'), { responseCode: 550, code: 'EENVELOPE' });
    });
    submit(admit('evt-3', 0));
    const spans = await settled(1);
    expect(spans.length).toBeGreaterThan(2);
    expect(JSON.stringify(spans.map((s) => [s.attributes, s.status, s.events]))).not.toMatch(/@/);
  });
});
