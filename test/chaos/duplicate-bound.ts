import type { TimeWindow } from './retries-could-exhaust.js';

/** A moment the group's partitions may move: a member killed, stopped, started, the broker gone, partitions added. */
export interface Disruption {
  /** Since the start of the chaos phase. */
  readonly atMs: number;
  readonly kind: string;
  /** The process died without a graceful shutdown (SIGKILL, an unexpected exit, a shutdown past its deadline). */
  readonly crash: boolean;
}

export interface DuplicateBoundInput {
  readonly disruptions: readonly Disruption[];
  /** SMTP failure windows (outages, 4xx bursts). */
  readonly failureWindows: readonly TimeWindow[];
  /** From the broker going down to it answering again: nothing can be committed in between. */
  readonly brokerOutages: readonly TimeWindow[];
  /** When the SMTP server accepted each mail (chaos-phase ms). */
  readonly acceptedAtMs: readonly number[];
  readonly maxInstances: number;
  /** EMAIL_WORKER_BUFFER */
  readonly bufferPerInstance: number;
  /** EMAIL_WORKER_COUNT */
  readonly workerCount: number;
  /** KAFKA_COMMIT_INTERVAL_MS */
  readonly commitIntervalMs: number;
  /** From a first attempt to the last retry (16 s by default). */
  readonly retryWindowMs: number;
  /** The Redis sent ledger is on. */
  readonly ledger: boolean;
}

export interface DuplicateBound {
  /** Extra copies of any kind (mails and DLQ records) plain at-least-once delivery can explain. */
  readonly atLeastOnce: number;
  /** Extra mails: `atLeastOnce` without the sent ledger, what the ledger cannot cover with it. */
  readonly mails: number;
  readonly perDisruption: readonly number[];
}

/** A commit is one round trip after its interval; a second of slack covers a loaded machine. */
const COMMIT_SLACK_MS = 1_000;

/**
 * The most duplicates a run can explain; more means the service re-sends what it should not.
 *
 * Kafka delivery is at least once: what a member sent (or dead-lettered) but had not committed when
 * its partitions moved is sent again by their next owner. KafkaJS rebalances eagerly (every member
 * gives up every partition), so at each disruption every member may lose:
 * - what it holds (≤ EMAIL_WORKER_BUFFER each: in flight, about to be, or sent after the disruption
 *   while it still thinks it owns the partition), and
 * - what it sent since its last commit: mails accepted in the last commit interval (plus slack)
 *   before the disruption — counted from the SMTP server's own acceptance times, so a member that
 *   takes over a backlog and sends it at full speed is accounted for — stretched back
 *   - over a gap: the commit never jumps an unsettled offset, so while a message waits for its retry
 *     everything after it in its partition settles uncommitted; gaps come from SMTP failure windows
 *     and last at most the window plus the retry window;
 *   - over a broker outage: nothing can be committed while the broker is down, so what was sent just
 *     before it stays uncommitted until after it.
 *
 * With the sent ledger, a redelivered event that was sent is skipped; the one window it cannot cover
 * is a member that dies between the SMTP server's 250 and recording `sent`: at most one in-flight
 * send per worker per crash. The ledger does not cover the DLQ: DLQ records keep the at-least-once bound.
 */
export function duplicateBound(i: DuplicateBoundInput): DuplicateBound {
  const accepted = [...i.acceptedAtMs].sort((a, b) => a - b);
  const acceptedBetween = (from: number, to: number): number => lowerBound(accepted, to + 1) - lowerBound(accepted, from);
  const perDisruption = i.disruptions.map((d) => {
    let from = d.atMs - i.commitIntervalMs - COMMIT_SLACK_MS;
    for (const w of i.failureWindows) {
      if (d.atMs >= w.startMs && d.atMs <= w.endMs + i.retryWindowMs + i.commitIntervalMs) from = Math.min(from, w.startMs - i.commitIntervalMs - COMMIT_SLACK_MS);
    }
    for (const w of i.brokerOutages) {
      if (w.startMs <= d.atMs && w.endMs >= from) from = Math.min(from, w.startMs - i.commitIntervalMs - COMMIT_SLACK_MS);
    }
    return i.maxInstances * i.bufferPerInstance + acceptedBetween(from, d.atMs);
  });
  const atLeastOnce = perDisruption.reduce((a, b) => a + b, 0);
  const crashes = i.disruptions.filter((d) => d.crash).length;
  return { atLeastOnce, mails: i.ledger ? crashes * i.workerCount : atLeastOnce, perDisruption };
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
