import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

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

/** The worker pool and each send: emails rendered and sent, failures, retries, durations, the pool's gauges, the send rate, the sent ledger. */
export function deliveryMetrics(p: string, registers: Registry[]) {
  return {
    sent: new Counter({ name: `${p}emails_sent_total`, help: 'Emails accepted by the SMTP server, by template set', labelNames: ['template'], registers }),
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
    ledgerLeaseLost: new Counter({
      name: `${p}idempotency_lease_lost_total`,
      help: 'Sent-ledger claims lost while their send was in flight (renewals late or failing; found: absent, other-claim, sent); IDEMPOTENCY_LEASE_MS may be too short',
      labelNames: ['found'],
      registers,
    }),
  };
}
