import type { TopicPartition } from '../pipeline/topic-partition.js';
import type { Metrics } from '../platform/metrics.js';
import type { OffsetTracker } from './offset-tracker.js';

/** Sets the per-partition gauges from the tracker, for the partitions this member owns. */
export function refreshPartitionGauges(metrics: Metrics, tracker: OffsetTracker): void {
  for (const s of tracker.stats()) {
    const labels = { topic: s.topic, partition: String(s.partition) };
    metrics.settledUncommitted.set(labels, s.settledUncommitted);
    metrics.oldestUnsettledAge.set(labels, s.oldestUnsettledAgeMs / 1000);
    if (s.lag !== undefined) metrics.consumerLag.set(labels, Number(s.lag));
  }
}

/**
 * Removes the series of partitions that left this member: a frozen lag from a former owner would
 * keep KEDA scaled out and page NoProgress for a partition someone else is draining. (partition_blocked
 * belongs to the pause state, which removes it.)
 */
export function removePartitionGauges(metrics: Metrics, partitions: readonly TopicPartition[]): void {
  for (const { topic, partition } of partitions) {
    const labels = { topic, partition: String(partition) };
    metrics.settledUncommitted.remove(labels);
    metrics.oldestUnsettledAge.remove(labels);
    metrics.consumerLag.remove(labels);
    metrics.committedOffset.remove(labels);
  }
}
