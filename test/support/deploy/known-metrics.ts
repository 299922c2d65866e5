import { Registry } from 'prom-client';

import { createMetrics } from '../../../src/platform/metrics.js';

/** Series that come from Prometheus itself, not from the service. */
const EXTERNAL_METRICS = ['up'] as const;

/**
 * Every series name the service exposes, read from the real registry (src/platform/metrics.ts and
 * its *-metrics.ts stages, plus prom-client's Node defaults), with the _bucket/_sum/_count series of histograms and summaries,
 * plus the external series the alerts use.
 */
export async function knownMetricNames(): Promise<Set<string>> {
  const registry = new Registry();
  createMetrics({ registry });
  const names = new Set<string>(EXTERNAL_METRICS);
  for (const metric of await registry.getMetricsAsJSON()) {
    names.add(metric.name);
    // prom-client types `type` as a numeric enum, but the JSON carries the exposition type name.
    if (['histogram', 'summary'].includes(String(metric.type))) {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    }
  }
  return names;
}
