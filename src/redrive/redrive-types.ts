import type { DlqRecord } from './dlq-record.js';
import type { RedriveSelection } from './redrive-options.js';
import type { RefuseReason, SkipReason } from './select-record.js';

export interface ResolvedRedriveOptions {
  readonly selection: RedriveSelection;
  readonly limit: number | undefined;
  readonly maxRedrives: number;
  readonly ratePerSecond: number;
  /** Kafka not answering the first request within this long ends the run. @default 30_000 */
  readonly connectTimeoutMs?: number;
  readonly dryRun: boolean;
  /** The group that keeps this selection's position (see `redriveGroupId`). */
  readonly group: string;
  readonly dlqTopic: string;
  /** A republished record not acknowledged within this long ends the run. @default 30_000 */
  readonly publishTimeoutMs?: number;
}

export interface RedriveRow {
  readonly partition: number;
  readonly offset: string;
  readonly action: 'redriven' | 'would-redrive' | 'skipped' | 'refused';
  readonly why?: SkipReason | RefuseReason;
  readonly record: DlqRecord;
}

export interface RedriveSummary {
  readonly dlqTopic: string;
  readonly group: string;
  readonly dryRun: boolean;
  stoppedBy: 'end' | 'limit' | 'interrupted' | 'error';
  error: unknown;
  examined: number;
  /** Redriven, or in a dry run: would be. */
  redriven: number;
  readonly redrivenByReason: Record<string, number>;
  skipped: number;
  readonly refused: RedriveRow[];
}

export interface RedriveProgress {
  start(total: number): void;
  increment(): void;
  stop(): void;
}
