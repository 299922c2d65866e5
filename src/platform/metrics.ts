import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Every metric name starts with this prefix; Node/process defaults keep their standard names. */
export const METRIC_PREFIX = 'email_dispatcher_';

export const FAILURE_CLASSES = ['transient', 'permanent', 'fatal'] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/** The `smtp_code_class` label: the class of the SMTP reply code, or `none` (no reply: refused, timeout, TLS). */
export function smtpCodeClass(code: number | undefined): '2xx' | '4xx' | '5xx' | 'none' {
  if (code === undefined) return 'none';
  if (code >= 200 && code < 300) return '2xx';
  if (code >= 400 && code < 500) return '4xx';
  if (code >= 500 && code < 600) return '5xx';
  return 'none';
}

/**
 * `send_duration_seconds` buckets: past SMTP_SEND_TIMEOUT_MS (60 s by default) too, so a send that
 * runs into a longer configured deadline is not lost in +Inf.
 */
export const SEND_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 45, 60, 90, 120, 300];

/** Label values known at start, so every labelled counter has its series at 0 before the first event. */
export interface KnownLabels {
  readonly topics: readonly string[];
  readonly dlqReasons: readonly string[];
  readonly nameProblems: readonly string[];
  /** Retries 1..maxRetries. */
  readonly maxRetries: number;
}

/** What runs: the service's version and those of Node and the two clients that matter most. */
export interface BuildInfo {
  readonly version: string;
  readonly node: string;
  readonly kafkajs: string;
  readonly nodemailer: string;
}

/**
 * All service metrics, registered on the registry passed in (a fresh one per test). Labels never
 * carry addresses or event ids: only topic, partition, class, reason, attempt, state and locale.
 */
export function createMetrics({ registry, defaults = true, known, build }: { registry: Registry; defaults?: boolean; known?: KnownLabels; build?: BuildInfo }) {
  const metrics = defineMetrics(registry, defaults);
  if (known) zeroKnownSeries(metrics, known);
  if (build) metrics.buildInfo.set({ ...build }, 1);
  return metrics;
}

function defineMetrics(registry: Registry, defaults: boolean) {
  const p = METRIC_PREFIX;
  const registers = [registry];
  if (defaults) collectDefaultMetrics({ register: registry });
  return {
    registry,
    consumed: new Counter({ name: `${p}messages_consumed_total`, help: 'Kafka messages admitted into the pipeline', labelNames: ['topic'], registers }),
    sent: new Counter({ name: `${p}emails_sent_total`, help: 'Emails accepted by the SMTP server, by template set', labelNames: ['template'], registers }),
    eventsSkipped: new Counter({
      name: `${p}events_skipped_total`,
      help: 'Events settled without an email because no template set serves their type (EMAIL_UNMAPPED_EVENT_TYPES=skip), by type (the first 100 types seen; later ones as "other")',
      labelNames: ['type'],
      registers,
    }),
    emailsRendered: new Counter({
      name: `${p}emails_rendered_total`,
      help: "Emails rendered, by template set and the locale chosen from the event's user.locale (one series per set and locale folder)",
      labelNames: ['template', 'locale'],
      registers,
    }),
    namesDropped: new Counter({
      name: `${p}names_dropped_total`,
      help: 'Emails sent without the display name because the name could disguise or inject (bidi controls, line breaks, encoded words…)',
      labelNames: ['reason'],
      registers,
    }),
    duplicatesSkipped: new Counter({ name: `${p}duplicates_skipped_total`, help: 'Events skipped because the sent ledger already had them', registers }),
    sendFailures: new Counter({
      name: `${p}send_failures_total`,
      help: 'Failed SMTP attempts by class, relay (primary without SMTP_FALLBACK_HOST) and SMTP reply code class (2xx/4xx/5xx, none without a reply)',
      labelNames: ['class', 'relay', 'smtp_code_class'],
      registers,
    }),
    retries: new Counter({ name: `${p}retries_total`, help: 'Retries scheduled, by retry number (1 = first retry)', labelNames: ['attempt'], registers }),
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
    sendDuration: new Histogram({
      name: `${p}send_duration_seconds`,
      help: 'Duration of one SMTP send attempt, by outcome, relay and SMTP reply code class',
      labelNames: ['outcome', 'relay', 'smtp_code_class'],
      buckets: SEND_DURATION_BUCKETS,
      registers,
    }),
    endToEnd: new Histogram({
      name: `${p}end_to_end_latency_seconds`,
      help: 'From the event occurredAt to the email accepted by SMTP',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    }),
    queued: new Gauge({ name: `${p}queued_messages`, help: 'Messages waiting for a worker', registers }),
    inFlight: new Gauge({ name: `${p}in_flight_messages`, help: 'SMTP sends in progress', registers }),
    retryWaiting: new Gauge({ name: `${p}retry_waiting_messages`, help: 'Messages waiting for their next attempt (holding no worker)', registers }),
    held: new Gauge({ name: `${p}held_messages`, help: 'Messages held in process (queued + in flight + waiting to retry + settling)', registers }),
    bufferCapacity: new Gauge({ name: `${p}buffer_capacity_messages`, help: 'EMAIL_WORKER_BUFFER', registers }),
    fetchPaused: new Gauge({ name: `${p}fetch_paused`, help: '1 while fetching is paused because the buffer is full or the SMTP circuit is open', registers }),
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
    offsetRewinds: new Counter({
      name: `${p}offset_rewinds_total`,
      help: "Fetches that started below the committed offset of a log that now ends below it (topic created again, unclean leader election): the partition's tracking restarted there",
      labelNames: ['topic'],
      registers,
    }),
    partitionBlocked: new Gauge({
      name: `${p}partition_blocked`,
      help: '1 while a partition is paused because one of its offsets has not settled and admission reached KAFKA_MAX_AHEAD_PER_PARTITION past it',
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
    rebalances: new Counter({ name: `${p}kafka_rebalances_total`, help: 'Consumer group rebalances seen', registers }),
    crashes: new Counter({ name: `${p}kafka_consumer_crashes_total`, help: 'KafkaJS consumer crashes', labelNames: ['restart'], registers }),
    circuitOpen: new Gauge({
      name: `${p}smtp_circuit_open`,
      help: '1 while the SMTP circuit breaker is open (server unavailable; fetching paused)',
      registers,
    }),
    kafkaLastContact: new Gauge({
      name: `${p}kafka_last_contact_timestamp_seconds`,
      help: 'Unix time of the last fetch, heartbeat, commit or join answered by Kafka',
      registers,
    }),
    ready: new Gauge({ name: `${p}ready`, help: '1 while /readyz answers 200', registers }),
    lastProgress: new Gauge({ name: `${p}last_progress_timestamp_seconds`, help: 'Unix time of the last settled message or commit', registers }),
    relayCircuitOpen: new Gauge({
      name: `${p}relay_circuit_open`,
      help: "1 while this SMTP relay's circuit is open (primary down: sends go to the fallback)",
      labelNames: ['relay'],
      registers,
    }),
    relayRefusals: new Counter({
      name: `${p}relay_refusals_total`,
      help: 'Times an SMTP relay refused us whatever the message (our login, its relaying policy, its certificate) and its circuit opened (with SMTP_FALLBACK_HOST)',
      labelNames: ['relay'],
      registers,
    }),
    relaySends: new Counter({
      name: `${p}relay_sends_total`,
      help: 'Emails accepted, by SMTP relay (with SMTP_FALLBACK_HOST)',
      labelNames: ['relay'],
      registers,
    }),
    sendRateLimit: new Gauge({
      name: `${p}send_rate_limit_per_second`,
      help: 'EMAIL_RATE_LIMIT_PER_SECOND by EMAIL_RATE_LIMIT_SCOPE (pod: each replica; cluster: all replicas together); no series without a limit',
      labelNames: ['scope'],
      registers,
    }),
    rateLimitFallback: new Gauge({
      name: `${p}rate_limit_fallback`,
      help: '1 while the cluster send rate cannot use Redis (unreachable, or no answer within 100 ms) and this pod sends only its share (EMAIL_RATE_LIMIT_PER_SECOND / EMAIL_RATE_LIMIT_MAX_REPLICAS)',
      registers,
    }),
    rateLimitFallbacks: new Counter({
      name: `${p}rate_limit_fallback_sends_total`,
      help: "Sends started on this pod's share of the cluster send rate instead of the shared budget, by why (slow: Redis did not answer within 100 ms; unreachable)",
      labelNames: ['reason'],
      registers,
    }),
    ledgerErrors: new Counter({
      name: `${p}idempotency_ledger_errors_total`,
      help: 'Sent-ledger (Redis) errors; sending continued or paused per IDEMPOTENCY_STRICT',
      registers,
    }),
    buildInfo: new Gauge({
      name: `${p}build_info`,
      help: 'Always 1; the labels say what runs',
      labelNames: ['version', 'node', 'kafkajs', 'nodemailer'],
      registers,
    }),
    ledgerLeaseLost: new Counter({
      name: `${p}idempotency_lease_lost_total`,
      help: 'Sent-ledger claims lost while their send was in flight (renewals late or failing; found: absent, other-claim, sent); IDEMPOTENCY_LEASE_MS may be too short',
      labelNames: ['found'],
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof defineMetrics>;

/** Rules can take rate() and increase() of a series that has not moved yet (no `unless … offset` workaround). */
function zeroKnownSeries(m: Metrics, known: KnownLabels): void {
  for (const topic of known.topics) m.consumed.inc({ topic }, 0);
  for (const topic of known.topics) m.offsetRewinds.inc({ topic }, 0);
  for (const reason of known.nameProblems) m.namesDropped.inc({ reason }, 0);
  for (const cls of FAILURE_CLASSES) m.sendFailures.inc({ class: cls, relay: 'primary', smtp_code_class: 'none' }, 0);
  for (let attempt = 1; attempt <= known.maxRetries; attempt += 1) m.retries.inc({ attempt: String(attempt) }, 0);
  for (const reason of known.dlqReasons) m.deadLettered.inc({ reason }, 0);
  for (const result of ['ok', 'error', 'unconfirmed']) m.commits.inc({ result }, 0);
  for (const restart of ['true', 'false']) m.crashes.inc({ restart }, 0);
  for (const found of ['absent', 'other-claim', 'sent']) m.ledgerLeaseLost.inc({ found }, 0);
  for (const reason of ['slow', 'unreachable']) m.rateLimitFallbacks.inc({ reason }, 0);
  for (const outcome of ['sent', 'dead_lettered', 'skipped_duplicate', 'skipped']) m.receiptsPublished.inc({ outcome }, 0);
}
