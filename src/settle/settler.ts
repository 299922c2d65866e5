import type { Logger } from 'pino';

import type { ConsumedRecord, Outcome } from '../pipeline/outcome.js';
import { scrubAddresses } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { createEventTypeLabel } from './event-type-label.js';
import type { OffsetTracker } from './offset-tracker.js';
import type { DlqPublisher } from './publish/dlq-publisher.js';
import { noReceipts, type PublishReceipt } from './publish/receipts.js';
import { annotateSettled } from './settled-span.js';

/**
 * Makes an outcome durable, then marks the offset settled. A dead letter settles only after the
 * DLQ broker acknowledged it, and every outcome only after its receipt was (when receipts are on).
 */
export function createSettler({
  tracker,
  publishDlq,
  publishReceipt = noReceipts,
  metrics,
  logger,
  onProgress,
}: {
  tracker: OffsetTracker;
  publishDlq: DlqPublisher;
  publishReceipt?: PublishReceipt;
  metrics: Metrics;
  logger: Logger;
  onProgress: () => void;
}) {
  const typeLabel = createEventTypeLabel();
  return async function settle(record: ConsumedRecord, outcome: Outcome, signal: AbortSignal): Promise<void> {
    switch (outcome.kind) {
      case 'sent':
      case 'duplicate':
        break;
      case 'skipped':
        metrics.eventsSkipped.inc({ type: typeLabel(outcome.eventType) });
        break;
      case 'dead-letter': {
        await publishDlq(record, outcome, signal);
        metrics.deadLettered.inc({ reason: outcome.reason });
        break;
      }
      default: {
        const never: never = outcome;
        throw new Error(`unknown outcome ${JSON.stringify(never)}`);
      }
    }
    await publishReceipt(record, outcome, signal);
    tracker.settle(record.ticket);
    // Logged once the outcome is durable, so an abandoned settle (redelivered later) is not logged twice.
    logSettled(logger, record, outcome);
    if (record.trace) annotateSettled(record.trace, outcome);
    onProgress();
  };
}

/**
 * The one line per settled email that answers "did user X get the email?" by event id or
 * Message-ID. It never carries the address; the SMTP reply and error are scrubbed of anything
 * that looks like one (relays echo the recipient).
 */
export function logSettled(logger: Logger, record: ConsumedRecord, outcome: Outcome): void {
  if (!logger.isLevelEnabled(outcome.kind === 'dead-letter' ? 'warn' : outcome.kind === 'skipped' ? 'debug' : 'info')) return;
  const where = {
    topic: record.topic,
    partition: record.partition,
    offset: record.message.offset,
    traceId: record.trace?.traceId,
    eventId: record.eventId,
    template: record.template,
  };
  switch (outcome.kind) {
    case 'sent':
      return logger.info(
        {
          ...where,
          outcome: 'sent',
          messageId: outcome.messageId,
          relay: outcome.relay,
          smtpReply: outcome.smtpReply && scrubAddresses(outcome.smtpReply),
          attempts: outcome.attempts,
        },
        'email sent',
      );
    case 'duplicate':
      return logger.info({ ...where, outcome: 'duplicate', messageId: outcome.messageId, relay: outcome.relay }, 'email already sent (duplicate skipped)');
    // Debug: a shared topic may carry many events of other types; the metric counts them.
    case 'skipped':
      return logger.debug(
        { ...where, outcome: 'skipped', reason: outcome.reason, eventType: outcome.eventType },
        'event skipped (no template set for its type)',
      );
    case 'dead-letter':
      return logger.warn(
        {
          ...where,
          outcome: 'dead-letter',
          reason: outcome.reason,
          relay: outcome.relay,
          smtpCode: outcome.smtpCode,
          error: scrubAddresses(outcome.error),
          attempts: outcome.attempts,
        },
        'message dead-lettered',
      );
  }
}
