/** A span attribute value; undefined leaves the attribute out. */
export type TraceAttributes = Readonly<Record<string, string | number | boolean | undefined>>;

/** One child span of an event's span: an SMTP attempt, a retry wait, a DLQ or receipt publish. */
export interface TraceSpan {
  /**
   * `traceparent` (and `tracestate`) naming this span, for a record it produces: a reader of that
   * record continues the trace from here. Empty when the span has no valid context.
   */
  readonly headers: Readonly<Record<string, string>>;
  set(attributes: TraceAttributes): void;
  /** Marks the span failed (status ERROR, `error.type`). */
  fail(errorType: string, message?: string): void;
  /** Ends the span; later calls do nothing. */
  end(): void;
}

/**
 * The trace of one consumed event, from its admission to its settle (or abandonment). It travels on
 * the record; with tracing off the record carries none, so the hot path pays nothing.
 */
export interface EventTrace {
  /** The W3C trace id (32 lower-case hex digits): the upstream producer's when its record had a `traceparent`. */
  readonly traceId: string;
  /** Starts a child span of the event's span. */
  child(name: string, options: { kind: 'client' | 'producer' | 'internal'; attributes?: TraceAttributes }): TraceSpan;
  /** Sets attributes on the event's span. */
  set(attributes: TraceAttributes): void;
  fail(errorType: string, message?: string): void;
  /** Ends the event's span and any child still open (a retry wait cut short); later calls do nothing. */
  end(attributes?: TraceAttributes): void;
}

/** Where an event came from, as the tracer needs it (its headers carry the upstream `traceparent`). */
export interface EventOrigin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly headers: Readonly<Record<string, Buffer | string | ReadonlyArray<Buffer | string> | undefined>> | undefined;
  readonly eventId: string | undefined;
}

/** Starts the trace of an event that was just admitted. */
export type StartEventTrace = (origin: EventOrigin) => EventTrace;

/** Attribute names outside the semantic conventions: this service's own. */
export const ATTR = {
  eventId: 'email_dispatcher.event.id',
  outcome: 'email_dispatcher.outcome',
  dlqReason: 'email_dispatcher.dlq.reason',
  attempt: 'email_dispatcher.attempt',
  attempts: 'email_dispatcher.attempts',
  attemptResult: 'email_dispatcher.attempt.result',
  relay: 'email_dispatcher.relay',
  smtpCode: 'email_dispatcher.smtp.code',
  messageId: 'email_dispatcher.message_id',
  delayMs: 'email_dispatcher.retry.delay_ms',
} as const;

/**
 * Messaging semantic-convention attributes (Kafka). Copied rather than imported: they sit in the
 * incubating entry point of @opentelemetry/semantic-conventions, which may change in a minor release.
 * https://opentelemetry.io/docs/specs/semconv/messaging/kafka/
 */
export const MESSAGING = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  offset: 'messaging.kafka.offset',
  consumerGroup: 'messaging.consumer.group.name',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
} as const;

/** Attributes of a span that produces to `topic` (a DLQ record, a receipt). */
export function sendAttributes(topic: string): TraceAttributes {
  return { [MESSAGING.system]: 'kafka', [MESSAGING.operationName]: 'send', [MESSAGING.operationType]: 'send', [MESSAGING.destination]: topic };
}

/** Runs `work` inside `span` (when there is one): a rejection marks it failed; it ends either way. */
export async function inSpan<T>(span: TraceSpan | undefined, work: () => Promise<T>): Promise<T> {
  if (!span) return work();
  try {
    return await work();
  } catch (err) {
    span.fail(err instanceof Error ? err.name : 'Error', err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    span.end();
  }
}
