import type { Spread } from '../dev/loadtest/percentile.js';
import { ratios } from './ratios.js';
import type { BenchResult } from './result.js';
import { VARIANTS } from './variants.js';

const n = (x: number | undefined, digits = 0): string =>
  x === undefined || !Number.isFinite(x) ? '—' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const s = (x: Spread | undefined): string =>
  x === undefined || x.runs.length === 0 ? '—' : x.runs.length === 1 ? n(x.median) : `${n(x.median)} (${n(x.min)}–${n(x.max)})`;

/** The results as Markdown tables (pasted into BENCHMARKS.md; also written next to the JSON). */
export function formatReport(r: BenchResult): string {
  const lines: string[] = [];
  const m = r.machine;
  lines.push(
    `Run ${r.date} · \`${r.command}\` · ${m.nproc} CPUs (${m.cpu ?? '?'}), ${m.memoryGiB} GiB · Node ${m.node} · ${m.java ?? 'Java ?'} · Kafka ${m.kafka} · load average ${m.loadavgStart.map((x) => x.toFixed(2)).join(' ')} at start, ${m.loadavgEnd.map((x) => x.toFixed(2)).join(' ')} at end`,
  );
  lines.push(
    `Settings: ${r.options.partitions} partitions, ${r.options.repeats} alternating run(s) per cell, ${r.options.warmupS} s warm-up after the first delivery, ${r.options.windowS} s window${r.backlog ? `, backlog ${n(r.backlog.messages)} × 1 500 B` : ''}. Figures are emails accepted by the sink per second: median (min–max).`,
  );
  if (r.throughput.length > 0) {
    const present = VARIANTS.filter((v) => r.throughput.some((c) => c.rates[v]));
    lines.push('', `| L | C | W (ms) | C/W | ${present.join(' | ')} | ours buffer |`, `|---|---|---|---|${present.map(() => '---').join('|')}|---|`);
    for (const c of r.throughput) {
      lines.push(
        `| ${c.latencyMs} ms | ${c.concurrency} | ${n(c.wMs, 2)} | ${n((c.concurrency * 1000) / c.wMs)} | ${present.map((v) => s(c.rates[v])).join(' | ')} | ${c.oursBuffer} |`,
      );
    }
    const eld = r.throughput.flatMap((c) => (c.runs.ours ?? []).map((run) => ({ c, run })));
    if (eld.length > 0) {
      lines.push('', '| L | C | ours: event-loop delay p50 / p99 (ms) | SMTP connections opened in window | offset commits/s |', '|---|---|---|---|---|');
      for (const c of r.throughput) {
        const runs = c.runs.ours ?? [];
        if (runs.length === 0) continue;
        const mid = runs[Math.floor(runs.length / 2)];
        lines.push(
          `| ${c.latencyMs} ms | ${c.concurrency} | ${n(mid?.eventLoopDelayMs.p50, 1)} / ${n(mid?.eventLoopDelayMs.p99, 1)} | ${runs.map((x) => x.connectionsOpened).join(', ')} | ${n(mid?.commitsPerSecond, 2)} |`,
        );
      }
    }
  }
  if (r.faults) {
    const f = r.faults;
    lines.push(
      '',
      `Faults (ours, L=${f.latencyMs} ms, C=${f.concurrency}, buffer ${f.buffer}; ${f.warmupS} s warm-up, ${f.windowS} s window): fault-free ${s(f.cleanRate)} msg/s; ${f.share * 100} % first-attempt 451 ${s(f.faultyRate)} msg/s accepted, ${n(f.faulty[0]?.rejectedPerSecond)} refusals/s.`,
    );
  }
  if (r.drain)
    lines.push(
      '',
      `Kafka-only drain (no-op mailer, C=${r.drain.concurrency}, buffer ${r.drain.buffer}, ${n(r.drain.messages)} messages): ${s(r.drain.rates)} msg/s.`,
    );
  if (r.latency.length > 0) {
    lines.push('', '| L | offered load | end-to-end p50 | p95 | p99 | max | lost |', '|---|---|---|---|---|---|---|');
    for (const l of r.latency)
      lines.push(
        `| ${l.latencyMs} ms | ${l.rate}/s × ${n(l.events)} (C=${l.concurrency}) | ${n(l.endToEndMs.p50)} ms | ${n(l.endToEndMs.p95)} ms | ${n(l.endToEndMs.p99)} ms | ${n(l.endToEndMs.max)} ms | ${l.lost} |`,
      );
  }
  if (r.memory) {
    const mem = r.memory;
    lines.push(
      '',
      `Memory (compiled service, C=${mem.workers}, buffer ${mem.buffer}, L=${mem.latencyMs}): ${n(mem.events)} events produced in ${n(mem.produceSeconds)} s and drained in ${n(mem.seconds)} s (${n(mem.throughputPerSecond)} msg/s); peak RSS ${n(mem.peakRssMiB)} MiB (VmHWM); heap in use ${n(mem.heapUsedMiB.early)} MiB in the first quarter, ${n(mem.heapUsedMiB.late)} MiB in the last, max ${n(mem.heapUsedMiB.max)} MiB; lost ${mem.lost}, duplicates ${mem.duplicates}.`,
    );
  }
  const rs = ratios(r);
  if (rs.length > 0) {
    lines.push('', '| target | where | measured (median of per-run ratios, min–max) | goal | |', '|---|---|---|---|---|');
    for (const x of rs) {
      const range = x.min !== undefined && x.max !== undefined && x.min !== x.max ? ` (${n(x.min, 2)}–${n(x.max, 2)})` : '';
      lines.push(
        `| ${x.target} | ${x.where} | ${n(x.value, 2)}${range} | ${x.goal === undefined ? 'context' : `≥ ${n(x.goal, 2)}`} | ${x.met === undefined ? '' : x.met ? 'met' : '**missed**'} |`,
      );
    }
  }
  return lines.join('\n');
}
