import type { Registry } from 'prom-client';

import { DLQ_REASONS } from '../pipeline/outcome.js';
import { NAME_PROBLEMS } from '../pipeline/signup-event.js';
import { buildInfo } from '../platform/build-info.js';
import type { Config } from '../platform/config/schema.js';
import { createMetrics, type Metrics } from '../platform/metrics.js';

/** The service's metrics: every known label value at 0, build info, the buffer's capacity and send-rate limit. */
export function serviceMetrics(config: Config, registry: Registry): Metrics {
  const known = { topics: [config.kafka.topic], dlqReasons: DLQ_REASONS, nameProblems: NAME_PROBLEMS, maxRetries: config.email.maxRetries };
  const metrics = createMetrics({ registry, known, build: buildInfo() });
  metrics.bufferCapacity.set(config.email.workerBuffer);
  // The dashboard's budget used is attempts per second over this; no limit, no series (not 0 % used).
  if (config.email.rateLimitPerSecond > 0) metrics.sendRateLimit.set({ scope: config.email.rateLimitScope }, config.email.rateLimitPerSecond);
  return metrics;
}
