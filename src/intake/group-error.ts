/**
 * What a KafkaJS heartbeat or commit error says about this member's place in the group.
 * - `rebalancing`: the group is rebalancing (or its coordinator moved); this member is still in it
 *   and may commit with its generation before it rejoins.
 * - `membership-lost`: the coordinator no longer knows this member or its generation (evicted after
 *   the session or rebalance timeout, fenced): its partitions may already belong to others.
 */
export type GroupErrorKind = 'rebalancing' | 'membership-lost';

const KINDS: Readonly<Record<string, GroupErrorKind>> = {
  REBALANCE_IN_PROGRESS: 'rebalancing',
  NOT_COORDINATOR_FOR_GROUP: 'rebalancing',
  UNKNOWN_MEMBER_ID: 'membership-lost',
  ILLEGAL_GENERATION: 'membership-lost',
  FENCED_INSTANCE_ID: 'membership-lost',
};

/** The kind of group error `err` is, looking through KafkaJS's retry wrappers; undefined for any other error. */
export function groupErrorKind(err: unknown): GroupErrorKind | undefined {
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth += 1) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && type in KINDS) return KINDS[type];
  }
  return undefined;
}
