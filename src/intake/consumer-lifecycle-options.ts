import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';

import type { TopicPartition } from '../pipeline/topic-partition.js';
import type { Metrics } from '../platform/metrics.js';
import type { OffsetTracking, Sends } from './ports.js';

/** The part of a KafkaJS consumer the lifecycle listens to and drives. */
export type GroupConsumer = Pick<Consumer, 'events' | 'on' | 'pause' | 'resume'>;

export interface ConsumerLifecycleOptions {
  readonly consumer: GroupConsumer;
  readonly topic: string;
  readonly tracker: OffsetTracking;
  readonly dispatcher: Sends;
  /** A rebalance's last commit and suspension name the generation they belong to (`resume` starts the next). */
  readonly committer: {
    readonly generation: number;
    flushThenSuspend(generation: number): Promise<void>;
    suspend(generation: number): void;
    resume(): void;
    notify(): void;
  };
  /** Longest wait for the sends in flight to end and the last commit of a generation before KafkaJS may rejoin. */
  readonly rejoinCommitBudgetMs: number;
  /** A partition admitted this many past its watermark is paused until it falls to half. */
  readonly maxAheadPerPartition: number;
  /** Membership or pause state changed (readiness, gauges). */
  readonly onChange: () => void;
  /** KafkaJS crashed for good: the service must stop. */
  readonly onFatal: (reason: string) => void;
  /** Kafka answered (fetch, heartbeat, commit, join). */
  readonly onContact: () => void;
  /** Partitions left this member (revoked or lost): their per-partition series must go. */
  readonly onPartitionsDropped: (partitions: readonly TopicPartition[]) => void;
  readonly metrics: Metrics;
  readonly logger: Logger;
}
