import { collectDefaultMetrics, Gauge, type Registry } from 'prom-client';

import type { BuildInfo } from './build-info.js';
import { deliveryMetrics, FAILURE_CLASSES } from './delivery-metrics.js';
import { intakeMetrics } from './intake-metrics.js';
import { settleMetrics } from './settle-metrics.js';
import { smtpMetrics } from './smtp-metrics.js';

/** Every metric name starts with this prefix; Node/process defaults keep their standard names. */
export const METRIC_PREFIX = 'email_dispatcher_';

/** Label values known at start, so every labelled counter has its series at 0 before the first event. */
export interface KnownLabels {
  readonly topics: readonly string[];
  readonly dlqReasons: readonly string[];
  readonly nameProblems: readonly string[];
  /** Retries 1..maxRetries. */
  readonly maxRetries: number;
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
    ...intakeMetrics(p, registers),
    ...deliveryMetrics(p, registers),
    ...smtpMetrics(p, registers),
    ...settleMetrics(p, registers),
    ready: new Gauge({ name: `${p}ready`, help: '1 while /readyz answers 200', registers }),
    lastProgress: new Gauge({ name: `${p}last_progress_timestamp_seconds`, help: 'Unix time of the last settled message or commit', registers }),
    buildInfo: new Gauge({
      name: `${p}build_info`,
      help: 'Always 1; the labels say what runs',
      labelNames: ['version', 'node', 'kafkajs', 'nodemailer'],
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
