import type { ConsumedRecord, Outcome } from '../pipeline/outcome.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import type { DlqPublisher } from './dlq-publisher.js';
import type { OffsetTracker } from './offset-tracker.js';
import { noReceipts, type PublishReceipt } from './receipts.js';

/**
 * Makes an outcome durable, then marks the offset settled. A dead letter settles only after the
 * DLQ broker acknowledged it, and every outcome only after its receipt was (when receipts are on).
 */
export function createSettler({ tracker, publishDlq, publishReceipt = noReceipts, metrics, logger, onProgress }: {
  tracker: OffsetTracker;
  publishDlq: DlqPublisher;
  publishReceipt?: PublishReceipt;
  metrics: Metrics;
  logger: Logger;
  onProgress: () => void;
}) {
  return async function settle(record: ConsumedRecord, outcome: Outcome, signal: AbortSignal): Promise<void> {
    switch (outcome.kind) {
      case 'sent':
      case 'duplicate':
        break;
      case 'dead-letter': {
        await publishDlq(record, outcome, signal);
        metrics.deadLettered.inc({ reason: outcome.reason });
        logger.warn(
          { topic: record.topic, partition: record.partition, offset: record.message.offset, eventId: record.eventId, reason: outcome.reason, smtpCode: outcome.smtpCode, attempts: outcome.attempts, error: outcome.error },
          'message dead-lettered',
        );
        break;
      }
      default: {
        const never: never = outcome;
        throw new Error(`unknown outcome ${JSON.stringify(never)}`);
      }
    }
    await publishReceipt(record, outcome, signal);
    tracker.settle(record.ticket);
    onProgress();
  };
}
