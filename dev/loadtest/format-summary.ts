import type { LoadTestResult } from './run-load-test.js';

const num = (n: number | undefined, unit = ''): string => (n === undefined || !Number.isFinite(n) ? '—' : `${Math.round(n).toLocaleString('en-US')}${unit}`);

/** A per-second series in at most `points` averaged buckets ("12 s: 950/s"), for a one-line chart. */
export function bucketSeries(series: readonly number[], points = 12): Array<{ fromS: number; perSecond: number }> {
  if (series.length === 0) return [];
  const width = Math.max(1, Math.ceil(series.length / points));
  const out: Array<{ fromS: number; perSecond: number }> = [];
  for (let i = 0; i < series.length; i += width) {
    const slice = series.slice(i, i + width);
    out.push({ fromS: i, perSecond: slice.reduce((a, b) => a + b, 0) / slice.length });
  }
  return out;
}

/** The end-of-run table (plain text, fixed width) printed by `npm run load-test`. */
export function formatSummary(r: LoadTestResult): string {
  const reasons = Object.entries(r.deadLetteredByReason)
    .map(([k, v]) => `${k} ${num(v)}`)
    .join(', ');
  const inferred = r.deliveredInferred ? ' (inferred: produced − dead-lettered; pass --expect-delivered)' : '';
  const rows: Array<[string, string]> = [
    ['produced', `${num(r.produced)} events in ${r.produceSeconds.toFixed(1)} s`],
    ['delivered', `${num(r.delivered)}${inferred}`],
    ['dead-lettered', `${num(r.deadLettered)}${reasons ? ` (${reasons})` : ''}`],
    ['LOST', num(r.lost)],
    ['duplicates', num(r.duplicates)],
  ];
  if (r.deliveredAndDeadLettered > 0) rows.push(['delivered AND dead-lettered', num(r.deliveredAndDeadLettered)]);
  if (r.unknown > 0) rows.push(['not from this run', num(r.unknown)]);
  if (r.smtpInjected) rows.push(['SMTP failures injected', `${num(r.smtpInjected.transient)} × 451, ${num(r.smtpInjected.permanent)} × 550`]);
  rows.push(
    ['time', `${r.seconds.toFixed(1)} s (first event produced → last settled)`],
    ['throughput', `${num(r.throughputPerSecond, ' msg/s')} overall, ${num(r.steadyPerSecond, ' msg/s')} steady (median second)`],
    [
      'latency p50 / p95 / p99',
      r.latencyMs.count === 0
        ? '— (deliveries not observed)'
        : `${num(r.latencyMs.p50)} / ${num(r.latencyMs.p95)} / ${num(r.latencyMs.p99)} ms (max ${num(r.latencyMs.max)} ms)`,
    ],
    [
      'service peak RSS',
      r.memory.peakRssMiB === undefined ? '— (spawn the service or pass --metrics-url)' : `${num(r.memory.peakRssMiB, ' MiB')} (${r.memory.source})`,
    ],
  );
  const heap = r.memory.heapUsedMiB;
  if (heap.max !== undefined) rows.push(['service heap used', `${num(heap.early)} MiB early, ${num(heap.late)} MiB late, max ${num(heap.max)} MiB`]);
  if (r.timedOut) rows.push(['TIMED OUT', 'not every event settled before --timeout-s']);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  const buckets = bucketSeries(r.perSecond);
  if (buckets.length > 0) {
    lines.push('', 'settled per second over time:', buckets.map((b) => `${b.fromS}s ${num(b.perSecond)}`).join(' · '));
  }
  return lines.join('\n');
}
