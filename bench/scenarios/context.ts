import type { BenchOptions } from '../options.js';
import type { SinkThread } from '../sink-thread.js';

/** What every scenario gets from the runner. */
export interface ScenarioContext {
  readonly options: BenchOptions;
  readonly brokers: readonly string[];
  readonly sink: SinkThread;
  readonly projectRoot: string;
  /** Where CPU profiles go. */
  readonly profileDir: string;
  readonly say: (line: string) => void;
  /** The shared backlog topic and its size (created once per bench run). */
  backlog(): Promise<{ topic: string; messages: number }>;
}
