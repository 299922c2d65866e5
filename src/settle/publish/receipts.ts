import type { Producer } from 'kafkajs';
import type { Logger } from 'pino';

import type { ConsumedRecord, Outcome } from '../../pipeline/outcome.js';
import type { Metrics } from '../../platform/metrics.js';
import { inSpan, sendAttributes } from '../../platform/tracing/event-trace.js';
import type { StalledPublishes } from './produce-until-acknowledged.js';
import { buildReceipt, receiptMessage } from './receipt-message.js';
import { ReceiptPublisher } from './receipt-publisher.js';
import type { PartitionCount } from './topic-partition-count.js';

/** Makes a settled record's receipt durable; resolves once the broker acknowledged it. */
export type PublishReceipt = (record: ConsumedRecord, outcome: Outcome, signal: AbortSignal) => Promise<void>;

/** KAFKA_RECEIPTS_TOPIC unset: nothing to publish. */
export const noReceipts: PublishReceipt = async () => {};

export function createReceipts({
  producer,
  topic,
  partitionCount,
  relay,
  metrics,
  logger,
  stallAfterMs,
  stalls,
}: {
  producer: Pick<Producer, 'send'>;
  topic: string;
  /** The receipts topic's partition count (see ReceiptPublisher). */
  partitionCount: PartitionCount;
  relay: string;
  metrics: Metrics;
  logger: Logger;
  /** RECEIPT_PUBLISH_STALL_MS */
  stallAfterMs: number;
  stalls?: StalledPublishes;
}): PublishReceipt {
  const publisher = new ReceiptPublisher({ producer, topic, partitionCount, metrics, logger, stallAfterMs, ...(stalls ? { stalls } : {}) });
  return async (record, outcome, signal) => {
    const receipt = buildReceipt(record, outcome, { settledAt: new Date(), relay });
    const span = record.trace?.child(`send ${topic}`, { kind: 'producer', attributes: sendAttributes(topic) });
    await inSpan(span, () => publisher.publish(receiptMessage(record, receipt, span?.headers), signal));
    metrics.receiptsPublished.inc({ outcome: receipt.outcome });
  };
}
