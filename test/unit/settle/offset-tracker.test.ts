import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OffsetTracker, type Ticket } from '../../../src/settle/offset-tracker.js';

const T = 'signups';

function admit(tracker: OffsetTracker, offsets: number[], partition = 0): Ticket[] {
  return offsets.map((o) => tracker.track(T, partition, String(o)) as Ticket);
}

describe('OffsetTracker', () => {
  it('when everything is settled in order › commits one past the last offset', () => {
    const tracker = new OffsetTracker();
    for (const t of admit(tracker, [0, 1, 2])) tracker.settle(t);
    expect(tracker.commitCandidates()).toEqual([{ topic: T, partition: 0, offset: '3' }]);
  });

  it('when a middle offset is unsettled › the watermark stops at it', () => {
    const tracker = new OffsetTracker();
    const [a, , c] = admit(tracker, [10, 11, 12]);
    tracker.settle(a as Ticket);
    tracker.settle(c as Ticket);
    expect(tracker.commitCandidates()).toEqual([{ topic: T, partition: 0, offset: '11' }]);
  });

  it('when offsets have gaps (compaction, transaction markers) › commits past the last settled one', () => {
    const tracker = new OffsetTracker();
    for (const t of admit(tracker, [5, 9, 20])) tracker.settle(t);
    expect(tracker.commitCandidates()[0]?.offset).toBe('21');
  });

  it('when nothing moved since the last commit › proposes nothing', () => {
    const tracker = new OffsetTracker();
    for (const t of admit(tracker, [0, 1])) tracker.settle(t);
    tracker.markCommitted(T, 0, '2');
    expect(tracker.commitCandidates()).toEqual([]);
  });

  it('when an offset is refetched after a rebalance › refuses to admit it twice', () => {
    const tracker = new OffsetTracker();
    admit(tracker, [0, 1, 2]);
    expect(tracker.track(T, 0, '1')).toBeUndefined();
    expect(tracker.track(T, 0, '3')).toBeDefined();
  });

  it('when a partition is revoked › drops it and ignores late settles from its old tickets', () => {
    const tracker = new OffsetTracker();
    const [old] = admit(tracker, [0]);
    admit(tracker, [0], 1);
    expect(tracker.retain([{ topic: T, partition: 1 }])).toEqual([{ topic: T, partition: 0 }]);
    const [fresh] = admit(tracker, [0]);
    tracker.settle(old as Ticket);
    expect(tracker.commitCandidates().find((c) => c.partition === 0)).toEqual({ topic: T, partition: 0, offset: '0' });
    tracker.settle(fresh as Ticket);
    expect(tracker.commitCandidates().find((c) => c.partition === 0)?.offset).toBe('1');
  });

  it('reports settled-but-uncommitted counts and the age of the oldest unsettled message', () => {
    let now = 1_000;
    const tracker = new OffsetTracker(() => now);
    const [a, b] = admit(tracker, [0, 1, 2]);
    now = 4_000;
    tracker.settle(a as Ticket);
    tracker.settle(b as Ticket);
    const [stats] = tracker.stats();
    expect(stats?.settledUncommitted).toBe(2);
    expect(stats?.pending).toBe(1);
    expect(stats?.oldestUnsettledAgeMs).toBe(3_000);
    tracker.markCommitted(T, 0, '2');
    expect(tracker.stats()[0]?.settledUncommitted).toBe(0);
  });

  it('property: for any completion order the watermark never passes an unsettled offset', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 80 }).map((a) => a.sort((x, y) => x - y)),
        fc.func(fc.integer()),
        fc.integer({ min: 0, max: 80 }),
        (offsets, key, settleCount) => {
          const tracker = new OffsetTracker();
          const tickets = admit(tracker, offsets);
          const order = [...tickets].sort((x, y) => key(Number(x.offset)) - key(Number(y.offset)));
          const settled = new Set<bigint>();
          let lastCommitted = -1n;
          for (const ticket of order.slice(0, settleCount)) {
            tracker.settle(ticket);
            settled.add(ticket.offset);
            for (const c of tracker.commitCandidates()) {
              const committed = BigInt(c.offset);
              // Every admitted offset below the commit point is settled…
              for (const o of offsets) if (BigInt(o) < committed) expect(settled.has(BigInt(o))).toBe(true);
              // …and commits only move forward.
              expect(committed > lastCommitted).toBe(true);
              lastCommitted = committed;
              tracker.markCommitted(c.topic, c.partition, c.offset);
            }
          }
          // The watermark is as far as it may go: the first unsettled offset, or one past the last.
          const firstUnsettled = offsets.find((o) => !settled.has(BigInt(o)));
          const expected = firstUnsettled === undefined ? BigInt(offsets[offsets.length - 1] as number) + 1n : BigInt(firstUnsettled);
          const pending = tracker.commitCandidates()[0];
          const watermark = pending ? BigInt(pending.offset) : lastCommitted;
          if (settled.size > 0 || pending) expect(watermark).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
