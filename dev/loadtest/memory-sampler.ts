import { readFileSync } from 'node:fs';

import { median } from './percentile.js';

const MiB = 1024 * 1024;

export interface MemorySample {
  /** Seconds since sampling started. */
  readonly t: number;
  readonly rssMiB: number | undefined;
  readonly heapUsedMiB: number | undefined;
}

export interface MemoryReport {
  /**
   * `VmHWM`: the kernel's high-water mark of a local child's RSS (exact peak). `metrics`: the
   * largest `process_resident_memory_bytes` scraped (a peak between scrapes can be missed).
   */
  readonly source: 'VmHWM' | 'metrics' | 'none';
  readonly peakRssMiB: number | undefined;
  /** Heap in use: median of the first and of the last quarter of the samples, and the largest. */
  readonly heapUsedMiB: { readonly early: number | undefined; readonly late: number | undefined; readonly max: number | undefined };
  readonly samples: readonly MemorySample[];
}

/** `VmHWM` and `VmRSS` of a local process from /proc (Linux), in MiB; undefined once it is gone. */
export function readProcMemory(pid: number): { hwmMiB: number; rssMiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    const rss = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    if (hwm === undefined || rss === undefined) return undefined;
    return { hwmMiB: Number(hwm) / 1024, rssMiB: Number(rss) / 1024 };
  } catch {
    return undefined;
  }
}

/** RSS and heap in use from a Prometheus text exposition (prom-client's default metrics). */
export function parseMemoryMetrics(text: string): { rssMiB: number | undefined; heapUsedMiB: number | undefined } {
  const value = (name: string): number | undefined => {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)`, 'm').exec(text);
    return match?.[1] === undefined ? undefined : Number(match[1]) / MiB;
  };
  return { rssMiB: value('process_resident_memory_bytes'), heapUsedMiB: value('nodejs_heap_size_used_bytes') };
}

/** Heap early vs late: is it flat over the run, or growing? */
export function heapTrend(samples: readonly MemorySample[]): MemoryReport['heapUsedMiB'] {
  const heap = samples.map((s) => s.heapUsedMiB).filter((v): v is number => v !== undefined);
  const quarter = Math.max(1, Math.floor(heap.length / 4));
  return {
    early: median(heap.slice(0, quarter)),
    late: median(heap.slice(-quarter)),
    max: heap.length === 0 ? undefined : Math.max(...heap),
  };
}

export interface MemorySampler {
  stop(): Promise<MemoryReport>;
}

/**
 * Samples the service's memory every `everyMs`: from /proc when it is a local child (`pid`), and
 * from its `/metrics` (`metricsUrl`) when given — the only source for a service running elsewhere.
 */
export function startMemorySampler({ pid, metricsUrl, everyMs = 1000 }: { pid?: number; metricsUrl?: string; everyMs?: number }): MemorySampler {
  const started = Date.now();
  const samples: MemorySample[] = [];
  let hwm: number | undefined;
  let busy = false;
  const sample = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      const proc = pid === undefined ? undefined : readProcMemory(pid);
      if (proc) hwm = Math.max(hwm ?? 0, proc.hwmMiB);
      let scraped: ReturnType<typeof parseMemoryMetrics> | undefined;
      if (metricsUrl) {
        scraped = await fetch(metricsUrl, { signal: AbortSignal.timeout(Math.max(500, everyMs)) })
          .then(async (res) => (res.ok ? parseMemoryMetrics(await res.text()) : undefined))
          .catch(() => undefined);
      }
      const rssMiB = proc?.rssMiB ?? scraped?.rssMiB;
      if (rssMiB !== undefined || scraped?.heapUsedMiB !== undefined) {
        samples.push({ t: (Date.now() - started) / 1000, rssMiB, heapUsedMiB: scraped?.heapUsedMiB });
      }
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void sample(), everyMs);
  void sample();
  return {
    async stop() {
      clearInterval(timer);
      await sample();
      const scrapedPeak = samples.reduce<number | undefined>((max, s) => (s.rssMiB === undefined ? max : Math.max(max ?? 0, s.rssMiB)), undefined);
      const source = hwm !== undefined ? 'VmHWM' : scrapedPeak !== undefined ? 'metrics' : 'none';
      return { source, peakRssMiB: hwm ?? scrapedPeak, heapUsedMiB: heapTrend(samples), samples };
    },
  };
}
