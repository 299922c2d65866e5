import { type Attributes, type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type TextMapGetter, trace, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

import { ATTR, type EventOrigin, type EventTrace, MESSAGING, type StartEventTrace, type TraceAttributes, type TraceSpan } from './event-trace.js';

const propagator = new W3CTraceContextPropagator();

type Headers = EventOrigin['headers'];

/** Kafka header values are Buffers (or arrays of them when a name repeats: the first counts). */
const kafkaHeaders: TextMapGetter<Headers> = {
  keys: (carrier) => Object.keys(carrier ?? {}),
  get(carrier, key) {
    const raw = carrier?.[key];
    const first = Array.isArray(raw) ? (raw as ReadonlyArray<Buffer | string>)[0] : (raw as Buffer | string | undefined);
    return first === undefined ? undefined : first.toString();
  },
};

const KIND = { client: SpanKind.CLIENT, producer: SpanKind.PRODUCER, internal: SpanKind.INTERNAL } as const;

function attributes(values: TraceAttributes | undefined): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(values ?? {})) if (value !== undefined) out[key] = value;
  return out;
}

function fail(span: Span, errorType: string, message: string | undefined): void {
  span.setAttribute('error.type', errorType);
  span.setStatus({ code: SpanStatusCode.ERROR, ...(message === undefined ? {} : { message }) });
}

class OtelSpan implements TraceSpan {
  #ended = false;
  #headers: Record<string, string> | undefined;

  constructor(
    readonly span: Span,
    private readonly onEnd: (span: OtelSpan) => void,
  ) {}

  get headers(): Readonly<Record<string, string>> {
    if (!this.#headers) {
      const carrier: Record<string, string> = {};
      propagator.inject(trace.setSpan(ROOT_CONTEXT, this.span), carrier, { set: (c, k, v) => (c[k] = v) });
      this.#headers = carrier;
    }
    return this.#headers;
  }

  set(values: TraceAttributes): void {
    this.span.setAttributes(attributes(values));
  }

  fail(errorType: string, message?: string): void {
    fail(this.span, errorType, message);
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.span.end();
    this.onEnd(this);
  }
}

class OtelEventTrace implements EventTrace {
  readonly traceId: string;
  readonly #span: Span;
  readonly #context: Context;
  readonly #tracer: Tracer;
  readonly #open = new Set<OtelSpan>();
  #ended = false;

  constructor(tracer: Tracer, span: Span) {
    this.#tracer = tracer;
    this.#span = span;
    this.#context = trace.setSpan(ROOT_CONTEXT, span);
    this.traceId = span.spanContext().traceId;
  }

  child(name: string, { kind, attributes: values }: { kind: keyof typeof KIND; attributes?: TraceAttributes }): TraceSpan {
    const child = new OtelSpan(this.#tracer.startSpan(name, { kind: KIND[kind], attributes: attributes(values) }, this.#context), (s) => this.#open.delete(s));
    this.#open.add(child);
    return child;
  }

  set(values: TraceAttributes): void {
    this.#span.setAttributes(attributes(values));
  }

  fail(errorType: string, message?: string): void {
    fail(this.#span, errorType, message);
  }

  end(values?: TraceAttributes): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const child of [...this.#open]) child.end();
    if (values) this.set(values);
    this.#span.end();
  }
}

/**
 * Starts each admitted event's span ("process <topic>", a consumer span) as a child of the
 * `traceparent` its record carries (W3C trace context), or as a new trace's root.
 */
export function otelEventTraces({ tracer, groupId }: { tracer: Tracer; groupId: string }): StartEventTrace {
  return (origin) => {
    const parent = propagator.extract(ROOT_CONTEXT, origin.headers, kafkaHeaders);
    const span = tracer.startSpan(
      `process ${origin.topic}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: attributes({
          [MESSAGING.system]: 'kafka',
          [MESSAGING.operationName]: 'process',
          [MESSAGING.operationType]: 'process',
          [MESSAGING.destination]: origin.topic,
          [MESSAGING.partition]: String(origin.partition),
          [MESSAGING.offset]: Number(origin.offset),
          [MESSAGING.consumerGroup]: groupId,
          [ATTR.eventId]: origin.eventId,
        }),
      },
      parent,
    );
    return new OtelEventTrace(tracer, span);
  };
}
