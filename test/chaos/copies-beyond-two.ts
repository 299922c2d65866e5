import type { AppliedFault } from './fault-runner.js';

const KAFKA_NODE_FAULTS = new Set(['kill-coordinator', 'kill-leader', 'rolling-restart']);

export interface CopiesBeyondTwo {
  /** Every copy after the first came while a Kafka node fault ran (or just after): named, not a violation. */
  readonly named: ReadonlyArray<{ readonly eventId: string; readonly copies: number; readonly faults: readonly string[] }>;
  readonly unexplained: ReadonlyArray<{ readonly eventId: string; readonly copies: number }>;
}

/**
 * Events the relays accepted more than twice. A Kafka node fault can keep the group's commits from the
 * broker for tens of seconds (the coordinator's node away, its metadata not yet everywhere): a
 * rebalance inside that window sends again what was sent since the last commit, and a second
 * rebalance inside the same window sends it a third time. Such an event is named with the fault when
 * it went out at most three times and every copy after the first was accepted during a Kafka node
 * fault or within `graceMs` after it ended; any other is a violation (a restart loop re-sending mail).
 */
export function copiesBeyondTwo(
  acceptances: ReadonlyArray<readonly [atMs: number, eventId: string]>,
  applied: readonly AppliedFault[],
  graceMs: number,
): CopiesBeyondTwo {
  const times = new Map<string, number[]>();
  for (const [atMs, eventId] of acceptances) times.set(eventId, [...(times.get(eventId) ?? []), atMs]);
  const faults = applied.filter((a) => a.outcome === 'applied' && KAFKA_NODE_FAULTS.has(a.kind));
  const faultsAt = (atMs: number) => faults.filter((f) => f.atMs <= atMs && (f.endMs ?? Infinity) + graceMs >= atMs).map((f) => f.kind);
  const named: Array<CopiesBeyondTwo['named'][number]> = [];
  const unexplained: Array<CopiesBeyondTwo['unexplained'][number]> = [];
  for (const [eventId, at] of times) {
    if (at.length <= 2) continue;
    const later = [...at]
      .sort((a, b) => a - b)
      .slice(1)
      .map(faultsAt);
    if (at.length === 3 && later.every((kinds) => kinds.length > 0)) named.push({ eventId, copies: at.length, faults: [...new Set(later.flat())] });
    else unexplained.push({ eventId, copies: at.length });
  }
  return { named, unexplained };
}
