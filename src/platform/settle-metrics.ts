import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Outcomes made durable and committed: skips, dead letters, receipts, per-partition offsets and lag, commits and the commit gate. */
export function settleMetrics(p: string, registers: Registry[]) {
  return {
    eventsSkipped: new Counter({
      name: `${p}events_skipped_total`,
      help: 'Events settled without an email because no template set serves their type (EMAIL_UNMAPPED_EVENT_TYPES=skip), by type (the first 100 types seen; later ones as "other")',
      labelNames: ['type'],
      registers,
    }),
    deadLettered: new Counter({
      name: `${p}dead_lettered_total`,
      help: 'Messages acknowledged on the DLQ topic, by reason',
      labelNames: ['reason'],
      registers,
    }),
    receiptsPublished: new Counter({
      name: `${p}receipts_published_total`,
      help: 'Delivery receipts acknowledged on KAFKA_RECEIPTS_TOPIC, by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    receiptPublishErrors: new Counter({
      name: `${p}receipt_publish_errors_total`,
      help: 'Failed receipt produce requests, and requests unacknowledged past RECEIPT_PUBLISH_STALL_MS (retried; offsets not committed)',
      registers,
    }),
    dlqPublishErrors: new Counter({
      name: `${p}dlq_publish_errors_total`,
      help: 'Failed DLQ produce attempts, and attempts unacknowledged past DLQ_PUBLISH_STALL_MS (retried; offset not committed)',
      registers,
    }),
    committedOffset: new Gauge({ name: `${p}committed_offset`, help: 'Last offset committed by this instance', labelNames: ['topic', 'partition'], registers }),
    settledUncommitted: new Gauge({
      name: `${p}settled_uncommitted_messages`,
      help: 'Settled messages not yet covered by a commit',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    oldestUnsettledAge: new Gauge({
      name: `${p}oldest_unsettled_age_seconds`,
      help: 'Age of the oldest message admitted but not settled',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    consumerLag: new Gauge({
      name: `${p}consumer_lag_messages`,
      help: 'Last stable offset (the end a read_committed consumer can fetch; an open transaction is not lag) minus committed offset',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    dlqPublishStalled: new Gauge({
      name: `${p}dlq_publish_stalled_messages`,
      help: 'DLQ publishes failing for longer than DLQ_PUBLISH_STALL_MS (still retried; their offsets stay uncommitted)',
      registers,
    }),
    receiptPublishDelay: new Histogram({
      name: `${p}receipt_publish_delay_seconds`,
      help: "From a settled event's receipt handed to the publisher to the broker acknowledging it (its offset commits no earlier): how far receipts lag behind sends",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    receiptPublishStalled: new Gauge({
      name: `${p}receipt_publish_stalled_requests`,
      help: 'Receipt produce requests unacknowledged for longer than RECEIPT_PUBLISH_STALL_MS (still awaited; their offsets stay uncommitted)',
      registers,
    }),
    commits: new Counter({ name: `${p}offset_commits_total`, help: 'Offset commits, by result', labelNames: ['result'], registers }),
    commitBlocked: new Gauge({
      name: `${p}commit_blocked`,
      help: '1 while new sends are held because KAFKA_MAX_UNCOMMITTED settled offsets wait for a commit the broker has not confirmed (a rebalance would send them again)',
      registers,
    }),
    uncommitted: new Gauge({
      name: `${p}settled_committable_uncommitted_messages`,
      help: 'Settled offsets below the watermark (committable) that no confirmed commit covers yet: what a rebalance now would send again',
      registers,
    }),
  };
}
