import { describe, expect, it } from 'vitest';

import type { GroupLogEvent } from '../../../../bench/group/group-log.js';
import { rebalanceStats } from '../../../../bench/group/rebalance-stats.js';

const joined = (at: number, durationMs = 50): GroupLogEvent => ({ kind: 'kafka-joined', at, memberId: 'm', partitions: 1, durationMs });
const told = (at: number): GroupLogEvent => ({ kind: 'rebalancing', at, memberId: 'm' });

describe('rebalanceStats', () => {
  it('finds the group whole again at the last member joining after the event', () => {
    const old = [joined(0), told(1_200), joined(1_900, 700)];
    const newcomer = [joined(1_950, 1_400)];
    const s = rebalanceStats([old, newcomer], 1_000, 30_000);
    expect(s).toMatchObject({ stableAfterMs: 950, joins: 2, maxJoinSyncMs: 1_400, slowestRejoinMs: 700, neverRejoined: 0 });
    expect(s.perMember).toEqual([
      { toldAfterMs: 200, joinedAfterMs: 900 },
      { toldAfterMs: undefined, joinedAfterMs: 950 },
    ]);
  });

  it('leaves the group unstable when a member never joined in the window, and counts the member told but never rejoined', () => {
    const stuck = [joined(0), told(3_000), told(6_000)];
    const newcomer = [joined(61_000, 60_200)];
    const s = rebalanceStats([stuck, newcomer], 1_000, 80_000);
    expect(s.stableAfterMs).toBeUndefined();
    expect(s.neverRejoined).toBe(1);
    expect(s.slowestRejoinMs).toBeUndefined();
    expect(s.maxJoinSyncMs).toBe(60_200);
  });

  it('leaves the group unstable while a member told of a further rebalance has not joined again', () => {
    const remaining = [joined(0), told(1_100), joined(22_000), told(23_200)];
    expect(rebalanceStats([remaining], 1_000, 33_000)).toMatchObject({ stableAfterMs: undefined, joins: 1, slowestRejoinMs: 20_900, neverRejoined: 0 });
  });

  it('ignores joins outside the window', () => {
    expect(rebalanceStats([[joined(500), joined(90_000)]], 1_000, 80_000)).toMatchObject({ stableAfterMs: undefined, joins: 0 });
  });
});
