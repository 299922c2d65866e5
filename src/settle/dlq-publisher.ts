import type { Producer } from 'kafkajs';
import type { ConsumedRecord } from '../delivery/outcome.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { sleep } from '../platform/sleep.js';
import { buildDlqMessage, type DeadLetter } from './dlq-message.js';

export interface DlqPublisherOptions {
  readonly producer: Pick<Producer, 'send'>;
  readonly topic: string;
  readonly groupId: string;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Backoff between failed produce attempts; the last one repeats. @default [250, 1000, 5000] */
  readonly backoffMs?: readonly number[];
}

export type DlqPublisher = (record: ConsumedRecord, outcome: DeadLetter, signal: AbortSignal) => Promise<void>;

/**
 * Produces a DLQ record with acks from all in-sync replicas and resolves only once the broker
 * acknowledged it. A failed produce is retried until it succeeds or `signal` aborts (then the
 * offset stays uncommitted and the message is redelivered).
 */
export function createDlqPublisher({ producer, topic, groupId, metrics, logger, backoffMs = [250, 1000, 5000] }: DlqPublisherOptions): DlqPublisher {
  return async (record, outcome, signal) => {
    const message = buildDlqMessage(record, outcome, { groupId, failedAt: new Date() });
    for (let attempt = 1; ; attempt += 1) {
      signal.throwIfAborted();
      try {
        await producer.send({ topic, acks: -1, messages: [message] });
        return;
      } catch (err) {
        metrics.dlqPublishErrors.inc();
        logger.error({ err, topic: record.topic, partition: record.partition, offset: record.message.offset, attempt }, 'DLQ produce failed; retrying (offset not committed)');
        await sleep(backoffMs[Math.min(attempt, backoffMs.length) - 1] ?? 1000, signal);
      }
    }
  };
}
