import type { Producer } from 'kafkajs';
import type { ConsumedRecord, Outcome } from '../pipeline/outcome.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { buildReceipt, receiptMessage } from './receipt-message.js';
import { ReceiptPublisher } from './receipt-publisher.js';

/** Makes a settled record's receipt durable; resolves once the broker acknowledged it. */
export type PublishReceipt = (record: ConsumedRecord, outcome: Outcome, signal: AbortSignal) => Promise<void>;

/** KAFKA_RECEIPTS_TOPIC unset: nothing to publish. */
export const noReceipts: PublishReceipt = async () => {};

export function createReceipts({ producer, topic, relay, metrics, logger }: { producer: Pick<Producer, 'send'>; topic: string; relay: string; metrics: Metrics; logger: Logger }): PublishReceipt {
  const publisher = new ReceiptPublisher({ producer, topic, metrics, logger });
  return async (record, outcome, signal) => {
    const receipt = buildReceipt(record, outcome, { settledAt: new Date(), relay });
    await publisher.publish(receiptMessage(record, receipt), signal);
    metrics.receiptsPublished.inc({ outcome: receipt.outcome });
  };
}
