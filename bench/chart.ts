import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { BenchResult } from './result.js';
import { groupedBarChart, type LineSeries, logLineChart, timeChart } from './svg.js';
import type { VariantName } from './variants.js';

const COLORS: Record<VariantName, string> = { B0: '#7f7f7f', B0pre: '#202124', B1: '#e8710a', "B1'": '#f9ab00', ours: '#1a73e8' };
const LABELS: Record<VariantName, string> = { B0: 'B0 raw send', B0pre: 'B0pre composed ahead', B1: 'B1 naive', "B1'": 'B1′ partitions ∥', ours: 'ours' };

/** docs/bench/*.svg from one result; returns the files written. */
export function renderCharts(r: BenchResult, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const write = (name: string, svg: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, svg);
    written.push(file);
  };
  for (const latency of [...new Set(r.throughput.map((c) => c.latencyMs))]) {
    const cells = r.throughput.filter((c) => c.latencyMs === latency);
    const series: LineSeries[] = (Object.keys(COLORS) as VariantName[])
      .filter((v) => cells.some((c) => c.rates[v]))
      .map((v) => ({ name: LABELS[v], color: COLORS[v], points: cells.map((c) => c.rates[v]) }));
    if (latency > 0)
      series.push({ name: "Little's bound C/W", color: '#34a853', dashed: true, points: cells.map((c) => ({ median: (c.concurrency * 1000) / c.wMs })) });
    write(
      `throughput-L${latency}.svg`,
      logLineChart({
        title: `Emails/s vs concurrency, SMTP latency ${latency} ms (median, min–max)`,
        xLabels: cells.map((c) => `C = ${c.concurrency}`),
        xTitle: `concurrency C (B1 and B1′ are bounded by partitions, not C; ${r.options.partitions} partitions)`,
        yTitle: 'emails accepted per second (log scale)',
        series,
      }),
    );
  }
  if (r.latency.length > 0) {
    write(
      'latency.svg',
      groupedBarChart({
        title: `End-to-end latency (produced → accepted), ours, ${r.latency[0]?.rate}/s offered, C = ${r.latency[0]?.concurrency}`,
        yTitle: 'milliseconds',
        groups: r.latency.map((l) => ({
          label: `SMTP latency ${l.latencyMs} ms`,
          bars: (['p50', 'p95', 'p99'] as const).map((p) => ({ name: p, value: l.endToEndMs[p] ?? 0 })),
        })),
        colors: { p50: '#1a73e8', p95: '#f9ab00', p99: '#d93025' },
      }),
    );
  }
  if (r.memory && r.memory.samples.length > 1) {
    const samples = r.memory.samples;
    write(
      'memory.svg',
      timeChart({
        title: `Service memory while draining ${r.memory.events.toLocaleString('en-US')} events (C = ${r.memory.workers}, buffer ${r.memory.buffer})`,
        xTitle: 'seconds since the service was ready',
        yTitle: 'MiB',
        series: [
          { name: 'RSS', color: '#1a73e8', points: samples.flatMap((s) => (s.rssMiB === undefined ? [] : [[s.t, s.rssMiB] as const])) },
          { name: 'heap used', color: '#34a853', points: samples.flatMap((s) => (s.heapUsedMiB === undefined ? [] : [[s.t, s.heapUsedMiB] as const])) },
        ],
        limit: { value: 256e6 / 2 ** 20, label: 'target 256 MB' },
      }),
    );
  }
  return written;
}
