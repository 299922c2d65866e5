import type { Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';

import type { ConsumedRecord } from '../../pipeline/outcome.js';
import type { Metrics } from '../../platform/metrics.js';
import { inSpan, sendAttributes } from '../../platform/tracing/event-trace.js';
import { buildDlqMessage, type DeadLetter, DLQ_HEADERS } from './dlq-message.js';
import { produceUntilAcknowledged, type StalledPublishes } from './produce-until-acknowledged.js';

function withoutValue(message: Message): Message {
  const size = Buffer.isBuffer(message.value) ? message.value.length : Buffer.byteLength(String(message.value ?? ''));
  return { ...message, value: null, headers: { ...message.headers, [DLQ_HEADERS.valueDropped]: 'message_too_large', [DLQ_HEADERS.valueSize]: String(size) } };
}

export interface DlqPublisherOptions {
  readonly producer: Pick<Producer, 'send'>;
  readonly topic: string;
  readonly groupId: string;
  readonly metrics: Pick<Metrics, 'dlqPublishErrors' | 'dlqPublishStalled'>;
  readonly logger: Logger;
  /** Backoff between failed produce attempts; the last one repeats. @default [250, 1000, 5000] */
  readonly backoffMs?: readonly number[];
  /**
   * A publish not acknowledged after this long is reported stalled (gauge, error count, one error
   * log line, /readyz): the DLQ topic is missing or unwritable and its partition's offsets cannot
   * move. It keeps waiting; nothing is lost. @default 60000
   */
  readonly stallAfterMs?: number;
  /** The stall count /readyz and /livez read, shared with the receipt publisher. */
  readonly stalls?: StalledPublishes;
}

export type DlqPublisher = (record: ConsumedRecord, outcome: DeadLetter, signal: AbortSignal) => Promise<void>;

/**
 * Produces a DLQ record with acks from all in-sync replicas and resolves only once the broker
 * acknowledged it. A failed produce is retried until it succeeds or `signal` aborts (then the
 * offset stays uncommitted and the message is redelivered).
 */
export function createDlqPublisher({ producer, topic, groupId, metrics, logger, backoffMs, stallAfterMs = 60_000, stalls }: DlqPublisherOptions): DlqPublisher {
  const loop = {
    producer,
    topic,
    what: 'DLQ',
    stallAfterMs,
    errors: metrics.dlqPublishErrors,
    stalledGauge: metrics.dlqPublishStalled,
    logger,
    ...(backoffMs ? { backoffMs } : {}),
    ...(stalls ? { stalls } : {}),
  };
  return async (record, outcome, signal) => {
    const span = record.trace?.child(`send ${topic}`, { kind: 'producer', attributes: sendAttributes(topic) });
    let message = buildDlqMessage(record, outcome, { groupId, failedAt: new Date(), ...(span ? { traceHeaders: span.headers } : {}) });
    const where = { topic: record.topic, partition: record.partition, offset: record.message.offset };
    await inSpan(span, () =>
      produceUntilAcknowledged(loop, {
        messages: () => [message],
        signal,
        context: { ...where, dlqTopic: topic },
        repair: (err) => {
          if ((err as { type?: string }).type !== 'MESSAGE_TOO_LARGE' || message.value == null) return false;
          // The DLQ topic refuses a value the source topic accepted. Retrying can never succeed and
          // would stall the partition: keep the provenance (topic/partition/offset locate the
          // original) and drop the value, saying so.
          logger.warn(where, 'DLQ refused the value as too large; dead-lettering without it');
          message = withoutValue(message);
          return true;
        },
      }),
    );
  };
}
