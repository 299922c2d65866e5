import { describe, expect, it } from 'vitest';

import { heapTrend, parseMemoryMetrics, readProcMemory } from '../../../../dev/loadtest/memory-sampler.js';

describe('parseMemoryMetrics', () => {
  it('reads RSS and heap in use from prom-client default metrics, in MiB', () => {
    const text = [
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      'process_resident_memory_bytes 134217728',
      'nodejs_heap_size_used_bytes 52428800',
      'nodejs_heap_size_used_bytes_other 1',
    ].join('\n');
    expect(parseMemoryMetrics(text)).toEqual({ rssMiB: 128, heapUsedMiB: 50 });
  });

  it('without them › undefined', () => {
    expect(parseMemoryMetrics('up 1\n')).toEqual({ rssMiB: undefined, heapUsedMiB: undefined });
  });
});

describe('heapTrend', () => {
  it('compares the first and last quarter of the samples', () => {
    const samples = [40, 42, 41, 43, 60, 61, 80, 82].map((heapUsedMiB, t) => ({ t, rssMiB: 100, heapUsedMiB }));
    expect(heapTrend(samples)).toEqual({ early: 41, late: 81, max: 82 });
  });

  it('without heap samples › undefined', () => {
    expect(heapTrend([{ t: 0, rssMiB: 100, heapUsedMiB: undefined }])).toEqual({ early: undefined, late: undefined, max: undefined });
  });
});

describe('readProcMemory', () => {
  it('reads this process’s VmHWM and VmRSS (Linux); a gone pid › undefined', () => {
    const own = readProcMemory(process.pid);
    expect(own?.hwmMiB).toBeGreaterThanOrEqual(own?.rssMiB ?? Infinity);
    expect(readProcMemory(2 ** 22 + 7)).toBeUndefined();
  });
});
