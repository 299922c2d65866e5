import type { Message, Producer } from 'kafkajs';
import type { ConsumedRecord } from '../pipeline/outcome.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { retryDelayMs } from '../platform/retry-policy.js';
import { sleep } from '../platform/sleep.js';
import { buildDlqMessage, DLQ_HEADERS, type DeadLetter } from './dlq-message.js';

function withoutValue(message: Message): Message {
  const size = Buffer.isBuffer(message.value) ? message.value.length : Buffer.byteLength(String(message.value ?? ''));
  return { ...message, value: null, headers: { ...message.headers, [DLQ_HEADERS.valueDropped]: 'message_too_large', [DLQ_HEADERS.valueSize]: String(size) } };
}

export interface DlqPublisherOptions {
  readonly producer: Pick<Producer, 'send'>;
  readonly topic: string;
  readonly groupId: string;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Backoff between failed produce attempts; the last one repeats. @default [250, 1000, 5000] */
  readonly backoffMs?: readonly number[];
  /**
   * A publish not acknowledged after this long is reported stalled (gauge, one error log line): the
   * DLQ topic is missing or unwritable and its partition's offsets cannot move. It keeps retrying;
   * nothing is lost. @default 60000
   */
  readonly stallAfterMs?: number;
}

export type DlqPublisher = (record: ConsumedRecord, outcome: DeadLetter, signal: AbortSignal) => Promise<void>;

/**
 * Produces a DLQ record with acks from all in-sync replicas and resolves only once the broker
 * acknowledged it. A failed produce is retried until it succeeds or `signal` aborts (then the
 * offset stays uncommitted and the message is redelivered).
 */
export function createDlqPublisher({ producer, topic, groupId, metrics, logger, backoffMs = [250, 1000, 5000], stallAfterMs = 60_000 }: DlqPublisherOptions): DlqPublisher {
  return async (record, outcome, signal) => {
    let message = buildDlqMessage(record, outcome, { groupId, failedAt: new Date() });
    const where = { topic: record.topic, partition: record.partition, offset: record.message.offset };
    let stalled = false;
    // KafkaJS retries a produce to a missing topic inside send() for ever: the stall timer runs
    // across attempts, not per attempt.
    const stallTimer = setTimeout(() => {
      stalled = true;
      metrics.dlqPublishStalled.inc();
      logger.error({ ...where, dlqTopic: topic, stallAfterMs }, 'DLQ publish stalled: not acknowledged in time; still retrying, the partition cannot commit past this offset');
    }, stallAfterMs);
    stallTimer.unref?.();
    try {
      for (let attempt = 1; ; attempt += 1) {
        signal.throwIfAborted();
        try {
          await untilAborted(producer.send({ topic, acks: -1, messages: [message] }), signal);
          if (stalled) logger.info({ ...where }, 'stalled DLQ publish acknowledged');
          return;
        } catch (err) {
          if (signal.aborted) throw signal.reason;
          if ((err as { type?: string }).type === 'MESSAGE_TOO_LARGE' && message.value != null) {
            // The DLQ topic refuses a value the source topic accepted. Retrying can never succeed and
            // would stall the partition: keep the provenance (topic/partition/offset locate the
            // original) and drop the value, saying so.
            logger.warn(where, 'DLQ refused the value as too large; dead-lettering without it');
            message = withoutValue(message);
            continue;
          }
          metrics.dlqPublishErrors.inc();
          logger.error({ err, ...where, attempt }, 'DLQ produce failed; retrying (offset not committed)');
          await sleep(retryDelayMs({ maxRetries: Number.POSITIVE_INFINITY, delaysMs: backoffMs }, attempt), signal);
        }
      }
    } finally {
      clearTimeout(stallTimer);
      if (stalled) metrics.dlqPublishStalled.dec();
    }
  };
}

/**
 * Waits for `work` unless `signal` aborts first. KafkaJS cannot cancel a send; an abandoned one may
 * still be acknowledged later, so a record can reach the DLQ twice (its headers say where from).
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
