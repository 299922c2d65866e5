import { median } from '../dev/loadtest/percentile.js';
import type { BenchResult } from './result.js';
import type { ThroughputCell } from './scenarios/throughput.js';
import type { VariantName } from './variants.js';

export interface Ratio {
  readonly target: string;
  readonly where: string;
  /** Median of the per-run ratios (run i of ours over run i of the peer: the same moment's load). */
  readonly value: number | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
  /** Undefined: reported for context, no target set for this cell. */
  readonly goal: number | undefined;
  readonly met: boolean | undefined;
}

function paired(cell: ThroughputCell, a: VariantName, b: VariantName | ((i: number) => number), scale = 1): number[] {
  const ours = cell.runs[a] ?? [];
  return ours.flatMap((m, i) => {
    const denominator = typeof b === 'function' ? b(i) : cell.runs[b]?.[i]?.rate;
    return denominator ? [m.rate / denominator / scale] : [];
  });
}

function ratio(target: string, where: string, values: number[], goal: number | undefined): Ratio {
  const value = median(values);
  const met = value === undefined || goal === undefined ? undefined : value >= goal;
  return { target, where, value, min: values.length ? Math.min(...values) : undefined, max: values.length ? Math.max(...values) : undefined, goal, met };
}

/** Every target of the issue, as a ratio measured in the same run. */
export function ratios(r: BenchResult): Ratio[] {
  const out: Ratio[] = [];
  const partitions = r.options.partitions;
  for (const cell of r.throughput) {
    const where = `L=${cell.latencyMs} ms, C=${cell.concurrency}`;
    const little = (cell.concurrency * 1000) / cell.wMs;
    // The issue sets this target at C = 50, L = 50 ms; other cells are shown for context.
    const littleGoal = cell.concurrency === 50 && cell.latencyMs === 50 ? 0.9 : undefined;
    out.push(
      ratio(
        "ours / Little's bound C/W",
        where,
        paired(cell, 'ours', () => little),
        littleGoal,
      ),
    );
    out.push(ratio('ours / B0', where, paired(cell, 'ours', 'B0'), cell.latencyMs === 0 ? 0.8 : 0.95));
    // B0pre (a diagnostic): B0 with every message composed before it takes a connection, as ours does.
    if (cell.runs.B0pre?.length) out.push(ratio('ours / B0pre', where, paired(cell, 'ours', 'B0pre'), undefined));
    out.push(ratio('(ours / B1) / C', where, paired(cell, 'ours', 'B1', cell.concurrency), 0.85));
    out.push(ratio('(ours / B1′) / (C / partitions)', where, paired(cell, 'ours', "B1'", cell.concurrency / partitions), 0.85));
  }
  if (r.faults) {
    const f = r.faults;
    const values = f.faulty.flatMap((m, i) => (f.clean[i]?.rate ? [m.rate / f.clean[i].rate] : []));
    out.push(ratio(`${f.share * 100} % first-attempt 451 / fault-free`, `L=${f.latencyMs} ms, C=${f.concurrency}, buffer ${f.buffer}`, values, 0.8));
  }
  if (r.drain)
    out.push(
      ratio(
        'Kafka-only drain / 20 000 msg/s',
        `${r.drain.messages} messages`,
        r.drain.rates.runs.map((x) => x / 20_000),
        1,
      ),
    );
  if (r.memory?.peakRssMiB !== undefined) {
    // The target reads "256 MB"; MiB are what /proc reports, so the stricter 256 × 10^6 bytes is used.
    const budgetMiB = 256e6 / 2 ** 20;
    out.push(ratio('256 MB / peak RSS', `${r.memory.events} messages`, [budgetMiB / r.memory.peakRssMiB], 1));
  }
  return out;
}
