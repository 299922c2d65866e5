import { eventsBetween, type GroupLogEvent } from './group-log.js';

export interface MemberRebalance {
  /** Event → this member's first notice of the rebalance (heartbeat answered REBALANCE_IN_PROGRESS, or KafkaJS re-joining). */
  readonly toldAfterMs: number | undefined;
  /** Event → this member's first join after the event. */
  readonly joinedAfterMs: number | undefined;
}

export interface RebalanceStats {
  /**
   * From the event to the last join of the group that results from it: every member present at the
   * end of the window has joined (KafkaJS "Consumer has joined the group") after the event, and none
   * was told of a further rebalance since its last join. Undefined when the group was not whole and
   * quiet again within the window.
   */
  readonly stableAfterMs: number | undefined;
  /** Joins (JoinGroup + SyncGroup completed) across the members in the window: one per member per rebalance. */
  readonly joins: number;
  /** The longest JoinGroup + SyncGroup as KafkaJS timed it, in the window. */
  readonly maxJoinSyncMs: number | undefined;
  /** The longest a member took from its first notice of the rebalance to its next join (members that did rejoin). */
  readonly slowestRejoinMs: number | undefined;
  /** Members told of the rebalance that had not joined again when the window closed. */
  readonly neverRejoined: number;
  /** In the order of the members given. */
  readonly perMember: readonly MemberRebalance[];
}

/**
 * The rebalance a scale event caused, from the logs of the members present at the end of its window
 * [from, to): when the group was whole again, how long the members' joins took, and how long each
 * member took to rejoin once told.
 */
export function rebalanceStats(members: ReadonlyArray<readonly GroupLogEvent[]>, from: number, to: number): RebalanceStats {
  let stableAt: number | undefined = from;
  let joins = 0;
  let maxJoinSyncMs: number | undefined;
  let slowestRejoinMs: number | undefined;
  let neverRejoined = 0;
  const perMember: MemberRebalance[] = [];
  for (const events of members) {
    const joined = eventsBetween(events, 'kafka-joined', from, to);
    joins += joined.length;
    for (const j of joined) if (j.durationMs !== undefined) maxJoinSyncMs = Math.max(maxJoinSyncMs ?? 0, j.durationMs);
    const told = eventsBetween(events, 'rebalancing', from, to)[0];
    const firstJoin = joined[0];
    perMember.push({ toldAfterMs: told && told.at - from, joinedAfterMs: firstJoin && firstJoin.at - from });
    if (told) {
      const rejoin = joined.find((j) => j.at >= told.at);
      if (rejoin === undefined) neverRejoined += 1;
      else slowestRejoinMs = Math.max(slowestRejoinMs ?? 0, rejoin.at - told.at);
    }
    const last = joined.at(-1);
    const lastTold = eventsBetween(events, 'rebalancing', from, to).at(-1);
    // Told of a rebalance after its last join: the next rebalance is still under way.
    const pending = last === undefined || (lastTold !== undefined && lastTold.at > last.at);
    stableAt = pending || stableAt === undefined ? undefined : Math.max(stableAt, last.at);
  }
  return {
    stableAfterMs: stableAt === undefined || members.length === 0 ? undefined : stableAt - from,
    joins,
    maxJoinSyncMs,
    slowestRejoinMs,
    neverRejoined,
    perMember,
  };
}
