import type { FeatureVerdict } from './check-features.js';
import type { CopiesBeyondTwo } from './copies-beyond-two.js';
import type { DrainResult } from './drain.js';
import type { DuplicateBound } from './duplicate-bound.js';
import type { ProducerStats } from './event-producer.js';
import type { ChaosFeatures, ScheduledFault } from './fault.js';
import type { AppliedFault } from './fault-runner.js';
import type { ChaosHistory, HistoryVerdict } from './history.js';
import type { FleetEvent } from './service-fleet.js';

/** Everything a chaos run did and found; report.json in the run's directory holds it. */
export interface ChaosResult {
  readonly seed: number;
  readonly scale: 'short' | 'full';
  readonly features: ChaosFeatures;
  readonly runId: string;
  readonly topic: string;
  readonly groupId: string;
  /** `.local/chaos/<runId>/`: report.json, summary.txt and each instance's log. */
  readonly reportDir: string;
  readonly schedule: readonly ScheduledFault[];
  readonly applied: readonly AppliedFault[];
  readonly fleetEvents: readonly FleetEvent[];
  readonly producer: Readonly<ProducerStats>;
  readonly partitions: { readonly start: number; readonly end: number };
  readonly dlqReasonsAllowed: ChaosHistory['dlqReasonsAllowed'];
  readonly verdict: HistoryVerdict;
  readonly featureVerdict: FeatureVerdict;
  readonly bound: DuplicateBound;
  readonly drain: DrainResult;
  /** Exit codes of the graceful stop at the end (0 expected). */
  readonly finalExits: ReadonlyArray<{ readonly name: string; readonly code: number }>;
  /** Events sent a third time across a Kafka node fault: named, not violations (copies-beyond-two.ts). */
  readonly copiesAcrossKafkaFaults?: CopiesBeyondTwo['named'];
  readonly violations: readonly string[];
  /** Chaos phase and whole run. */
  readonly chaosMs: number;
  readonly durationMs: number;
}
