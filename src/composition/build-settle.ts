import type { Producer } from 'kafkajs';
import type { Logger } from 'pino';

import type { Config } from '../platform/config/schema.js';
import type { Metrics } from '../platform/metrics.js';
import type { OffsetTracker } from '../settle/offset-tracker.js';
import { createDlqPublisher } from '../settle/publish/dlq-publisher.js';
import type { StalledPublishes } from '../settle/publish/produce-until-acknowledged.js';
import type { PublishReceipt } from '../settle/publish/receipts.js';
import { createSettler } from '../settle/settler.js';

/** The dispatcher's `settle`: the outcome made durable (DLQ publish, receipt), then its offset settled; `onProgress` hears each settle. */
export function buildSettle({
  config,
  producer,
  tracker,
  publishReceipt,
  stalls,
  onProgress,
  metrics,
  logger,
}: {
  config: Config;
  producer: Producer;
  tracker: OffsetTracker;
  publishReceipt: PublishReceipt;
  /** DLQ publishes past DLQ_PUBLISH_STALL_MS are counted here. */
  stalls: StalledPublishes;
  onProgress: () => void;
  metrics: Metrics;
  logger: Logger;
}): ReturnType<typeof createSettler> {
  const publishDlq = createDlqPublisher({
    producer,
    topic: config.kafka.dlqTopic,
    groupId: config.kafka.groupId,
    stallAfterMs: config.kafka.dlqPublishStallMs,
    stalls,
    metrics,
    logger,
  });
  return createSettler({ tracker, publishDlq, publishReceipt, metrics, logger, onProgress });
}
