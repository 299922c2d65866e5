import type { Logger } from 'pino';

import type { TopicPartition } from '../pipeline/topic-partition.js';
import type { PauseState } from './pause-state.js';
import type { OffsetTracking } from './ports.js';

export interface BlockedPartitionsOptions {
  readonly pauses: PauseState;
  readonly tracker: Pick<OffsetTracking, 'owns' | 'ahead'>;
  /** A partition admitted this many past its watermark is paused until it falls to half. */
  readonly maxAheadPerPartition: number;
  /** A partition was paused or resumed (readiness, gauges). */
  readonly onChange: () => void;
  readonly logger: Logger;
}

/**
 * Partitions held behind an offset that does not settle (a DLQ publish that cannot land, say): paused
 * once admission ran the bound past their watermark, resumed once that backlog fell to half.
 */
export class BlockedPartitions {
  constructor(private readonly o: BlockedPartitionsOptions) {}

  /** A partition reached its bound past the watermark (one offset does not settle): pause it. */
  block(tp: TopicPartition): void {
    if (this.o.pauses.isBlocked(tp) || !this.o.tracker.owns(tp.topic, tp.partition)) return;
    this.o.logger.error(
      { topic: tp.topic, partition: tp.partition, ahead: this.o.tracker.ahead(tp.topic, tp.partition), max: this.o.maxAheadPerPartition },
      'partition paused: an offset has not settled while admission ran this far past it (DLQ unwritable?); unready until it settles',
    );
    this.o.pauses.block(tp);
    this.o.onChange();
  }

  /** Resumes blocked partitions whose backlog past the watermark fell to half the bound. Call periodically. */
  refresh(): void {
    let changed = false;
    for (const tp of this.o.pauses.blocked) {
      if (this.o.tracker.owns(tp.topic, tp.partition) && this.o.tracker.ahead(tp.topic, tp.partition) > this.o.maxAheadPerPartition / 2) continue;
      this.o.pauses.unblock(tp);
      this.o.logger.info({ topic: tp.topic, partition: tp.partition }, 'partition resumed: its watermark moved');
      changed = true;
    }
    if (changed) {
      this.o.pauses.apply();
      this.o.onChange();
    }
  }
}
