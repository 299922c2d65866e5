import type { BenchOptions } from './options.js';
import type { DrainResult } from './scenarios/drain.js';
import type { FaultsResult } from './scenarios/faults.js';
import type { LatencyResult, MemoryResult } from './scenarios/load.js';
import type { ThroughputCell } from './scenarios/throughput.js';

/** Everything one `npm run bench` measured (bench/results/latest.json). */
export interface BenchResult {
  readonly date: string;
  readonly command: string;
  readonly machine: {
    readonly nproc: number;
    readonly cpu: string | undefined;
    readonly memoryGiB: number;
    readonly node: string;
    readonly java: string | undefined;
    readonly kafka: string;
    readonly loadavgStart: readonly number[];
    readonly loadavgEnd: readonly number[];
  };
  readonly options: BenchOptions;
  readonly backlog: { readonly topic: string; readonly messages: number; readonly produceSeconds: number } | undefined;
  readonly throughput: readonly ThroughputCell[];
  readonly faults: FaultsResult | undefined;
  readonly drain: DrainResult | undefined;
  readonly latency: readonly LatencyResult[];
  readonly memory: MemoryResult | undefined;
}
