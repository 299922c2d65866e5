import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';

import { memoryTracing, parentOf, UPSTREAM, UPSTREAM_TRACEPARENT } from '../../../support/tracing.js';

const origin = { topic: 'signups', partition: 2, offset: '41', eventId: 'evt-41' };

describe('event traces (the real SDK, exported to memory)', () => {
  it('when the record carries a traceparent › the event span continues that trace, as its child', async () => {
    const { sdk, spans } = await memoryTracing();
    const trace = sdk.startEvent({ ...origin, headers: { traceparent: Buffer.from(UPSTREAM_TRACEPARENT), tracestate: Buffer.from('vendor=abc') } });
    trace.end();
    const [span] = await spans();
    expect(trace.traceId).toBe(UPSTREAM.traceId);
    expect(span?.spanContext().traceId).toBe(UPSTREAM.traceId);
    expect(parentOf(span!)).toBe(UPSTREAM.spanId);
    expect(span?.spanContext().traceState?.get('vendor')).toBe('abc');
  });

  it('when the record has no (or a malformed) traceparent › the event span starts a new trace', async () => {
    const { sdk, spans } = await memoryTracing();
    sdk.startEvent({ ...origin, headers: undefined }).end();
    sdk.startEvent({ ...origin, headers: { traceparent: 'not-a-traceparent' } }).end();
    const [a, b] = await spans();
    expect(parentOf(a!)).toBe('');
    expect(parentOf(b!)).toBe('');
    expect(a?.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(a?.spanContext().traceId).not.toBe(b?.spanContext().traceId);
  });

  it('names the event span after its topic, a consumer span with the Kafka messaging attributes and the event id', async () => {
    const { sdk, spans } = await memoryTracing();
    sdk.startEvent({ ...origin, headers: {} }).end();
    const [span] = await spans();
    expect(span?.name).toBe('process signups');
    expect(span?.kind).toBe(SpanKind.CONSUMER);
    expect(span?.attributes).toEqual({
      'messaging.system': 'kafka',
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'signups',
      'messaging.destination.partition.id': '2',
      'messaging.kafka.offset': 41,
      'messaging.consumer.group.name': 'group-1',
      'email_dispatcher.event.id': 'evt-41',
    });
    expect(span?.resource.attributes).toMatchObject({ 'service.name': 'email-dispatcher-test', 'service.version': '9.9.9' });
  });

  it("children are the event span's children; their headers name them (traceparent) in the same trace", async () => {
    const { sdk, spans } = await memoryTracing();
    const trace = sdk.startEvent({ ...origin, headers: { traceparent: UPSTREAM_TRACEPARENT } });
    const child = trace.child('send signups.dlq', { kind: 'producer', attributes: { 'messaging.destination.name': 'signups.dlq', skipped: undefined } });
    const headers = child.headers;
    child.end();
    trace.end();
    const [childSpan, eventSpan] = await spans();
    expect(childSpan?.kind).toBe(SpanKind.PRODUCER);
    expect(parentOf(childSpan!)).toBe(eventSpan?.spanContext().spanId);
    expect(childSpan?.attributes).toEqual({ 'messaging.destination.name': 'signups.dlq' });
    expect(headers.traceparent).toBe(`00-${UPSTREAM.traceId}-${childSpan?.spanContext().spanId}-01`);
  });

  it('ending the event span ends a child still open (a retry wait cut short), once', async () => {
    const { sdk, spans } = await memoryTracing();
    const trace = sdk.startEvent({ ...origin, headers: {} });
    trace.child('retry wait', { kind: 'internal' });
    trace.end({ 'email_dispatcher.outcome': 'abandoned' });
    trace.end();
    const ended = await spans();
    expect(ended.map((s) => s.name)).toEqual(['retry wait', 'process signups']);
    expect(ended[1]?.attributes['email_dispatcher.outcome']).toBe('abandoned');
  });

  it('fail() marks the span failed with error.type', async () => {
    const { sdk, spans } = await memoryTracing();
    const trace = sdk.startEvent({ ...origin, headers: {} });
    trace.fail('smtp_permanent', 'dead-lettered');
    trace.end();
    const [span] = await spans();
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'dead-lettered' });
    expect(span?.attributes['error.type']).toBe('smtp_permanent');
  });

  it('with OTEL_TRACES_SAMPLER=always_off › nothing is exported, but the trace id still goes into logs and records', async () => {
    const { sdk, spans } = await memoryTracing({ sampler: 'always_off' });
    const trace = sdk.startEvent({ ...origin, headers: { traceparent: UPSTREAM_TRACEPARENT } });
    trace.child('smtp send', { kind: 'client' }).end();
    trace.end();
    expect(trace.traceId).toBe(UPSTREAM.traceId);
    expect(await spans()).toEqual([]);
  });
});
