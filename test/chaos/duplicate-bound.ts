import type { TimeWindow } from './retries-could-exhaust.js';

/** A moment the group's partitions may move: a member killed, stopped, started, a Kafka node gone, partitions added. */
export interface Disruption {
  /** Since the start of the chaos phase. */
  readonly atMs: number;
  readonly kind: string;
  /**
   * What was sent may not be committed: the member died without a graceful shutdown (SIGKILL, an
   * unexpected exit), or a Kafka node died with commits in flight to it.
   */
  readonly crash: boolean;
  /** Members alive then: a rebalance reaches every one, each may have sends in flight. @default the run's most */
  readonly members?: number;
}

export interface DuplicateBoundInput {
  readonly disruptions: readonly Disruption[];
  /** SMTP failure windows (outages, 4xx bursts). */
  readonly failureWindows: readonly TimeWindow[];
  /** From a Kafka node going away to it answering again. */
  readonly brokerOutages: readonly TimeWindow[];
  /** When the SMTP servers accepted each mail (chaos-phase ms). */
  readonly acceptedAtMs: readonly number[];
  readonly maxInstances: number;
  /** EMAIL_WORKER_COUNT: the sends one member can have in flight. */
  readonly workerCount: number;
  /** KAFKA_COMMIT_INTERVAL_MS */
  readonly commitIntervalMs: number;
  /** From a first attempt to the last retry (16 s by default). */
  readonly retryWindowMs: number;
  /** The Redis sent ledger is on. */
  readonly ledger: boolean;
  /** Redis down or slow (the ledger's windows of blindness), when the ledger is on. @default none */
  readonly redisWindows?: readonly TimeWindow[];
}

/** What one disruption may explain, and why. */
export interface DisruptionAllowance {
  readonly atMs: number;
  readonly kind: string;
  /** Sends in flight: workers × members the disruption hit. */
  readonly inFlight: number;
  /** Sent but possibly not committed before a crash (0 for a graceful change: it commits first). */
  readonly uncommitted: number;
}

export interface DuplicateBound {
  /** Extra copies of any kind (mails and DLQ records) at-least-once delivery can explain. */
  readonly atLeastOnce: number;
  /** Extra mails: `atLeastOnce` without the sent ledger; with it, the sends in flight at member crashes and what went out while Redis was away. */
  readonly mails: number;
  readonly perDisruption: readonly DisruptionAllowance[];
  /** With the ledger: mails accepted while Redis was down or slow (plus 2 s), each of which may go out once more. */
  readonly whileRedisAway: number;
}

/** After Redis answers again, a claim or mark already failed may still be settling. */
const REDIS_GRACE_MS = 2_000;

/** A commit is one round trip after its interval; a second of slack covers a loaded machine. */
const COMMIT_SLACK_MS = 1_000;

/**
 * The most duplicates a run can explain; more means the service re-sends what it should not.
 *
 * The bound is the sends in flight, not the buffers: at a graceful change of the group (a member
 * joining, leaving, stopping) the service holds new sends, lets the ones in flight end and commits
 * before it gives its partitions up, so at most what was in flight on each member the rebalance
 * reached (workers × members) can go out twice.
 *
 * A crash legitimately exceeds that, and the allowance says which fault: a member killed (SIGKILL, an
 * unexpected exit) never commits what it sent since its last commit, and a Kafka node killed with
 * commits in flight to it (the coordinator; a leader move that makes the group rejoin) loses them.
 * That part is counted from the SMTP servers' own acceptance times, in the last commit interval (plus
 * slack) before the crash, stretched back
 *   - over a gap: the commit never jumps an unsettled offset, so while a message waits for its retry
 *     everything after it in its partition settles uncommitted (SMTP failure windows plus the retry window);
 *   - over a Kafka outage: what was sent during it may not be committed until after it.
 *
 * With the sent ledger, a redelivered event that was sent is skipped; what it cannot cover is a member
 * that dies between the SMTP server's 250 and recording `sent` (its sends in flight), and Redis away:
 * with IDEMPOTENCY_STRICT=false the service sends without the check and cannot record `sent`, so every
 * mail accepted while Redis was down or slow may be a repeat, or be repeated once later. The ledger
 * does not cover the DLQ: DLQ records keep the at-least-once bound.
 */
export function duplicateBound(i: DuplicateBoundInput): DuplicateBound {
  const accepted = [...i.acceptedAtMs].sort((a, b) => a - b);
  const acceptedBetween = (from: number, to: number): number => lowerBound(accepted, to + 1) - lowerBound(accepted, from);
  const perDisruption = i.disruptions.map((d): DisruptionAllowance => {
    const inFlight = (d.members ?? i.maxInstances) * i.workerCount;
    if (!d.crash) return { atMs: d.atMs, kind: d.kind, inFlight, uncommitted: 0 };
    let from = d.atMs - i.commitIntervalMs - COMMIT_SLACK_MS;
    for (const w of i.failureWindows) {
      if (d.atMs >= w.startMs && d.atMs <= w.endMs + i.retryWindowMs + i.commitIntervalMs)
        from = Math.min(from, w.startMs - i.commitIntervalMs - COMMIT_SLACK_MS);
    }
    for (const w of i.brokerOutages) {
      if (w.startMs <= d.atMs && w.endMs >= from) from = Math.min(from, w.startMs - i.commitIntervalMs - COMMIT_SLACK_MS);
    }
    return { atMs: d.atMs, kind: d.kind, inFlight, uncommitted: acceptedBetween(from, d.atMs) };
  });
  const atLeastOnce = perDisruption.reduce((a, d) => a + d.inFlight + d.uncommitted, 0);
  const memberCrashes = i.disruptions.filter((d) => d.crash && !isKafkaFault(d.kind)).length;
  const whileRedisAway = i.ledger ? (i.redisWindows ?? []).reduce((n, w) => n + acceptedBetween(w.startMs, w.endMs + REDIS_GRACE_MS), 0) : 0;
  return { atLeastOnce, mails: i.ledger ? memberCrashes * i.workerCount + whileRedisAway : atLeastOnce, perDisruption, whileRedisAway };
}

/** Disruption kinds that are Kafka node faults (fault.ts), not members. */
function isKafkaFault(kind: string): boolean {
  return kind === 'kill-coordinator' || kind === 'kill-leader' || kind === 'rolling-restart';
}

/** The faults whose allowance goes past the sends in flight, named for a report: `kill-coordinator at t+12.0s: +34`. */
export function beyondInFlight(bound: DuplicateBound): string[] {
  const named = bound.perDisruption.filter((d) => d.uncommitted > 0).map((d) => `${d.kind} at t+${(d.atMs / 1000).toFixed(1)}s: +${d.uncommitted}`);
  return bound.whileRedisAway > 0 ? [...named, `Redis away (ledger blind): +${bound.whileRedisAway} mails`] : named;
}

/** Index of the first element >= value in a sorted array. */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
