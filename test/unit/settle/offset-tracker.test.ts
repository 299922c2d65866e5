import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { Ticket } from '../../../src/pipeline/topic-partition.js';
import { OffsetTracker } from '../../../src/settle/offset-tracker.js';

const T = 'signups';

/** A tracker whose current assignment is partitions 0–3 of T. */
function assignedTracker(now?: () => number): OffsetTracker {
  const tracker = new OffsetTracker(now);
  tracker.retain([0, 1, 2, 3].map((partition) => ({ topic: T, partition })));
  return tracker;
}

function admit(tracker: OffsetTracker, offsets: number[], partition = 0): Ticket[] {
  return offsets.map((o) => tracker.track(T, partition, BigInt(o)) as Ticket);
}

describe('OffsetTracker', () => {
  it('when everything is settled in order › commits one past the last offset', () => {
    const tracker = assignedTracker();
    for (const t of admit(tracker, [0, 1, 2])) tracker.settle(t);
    expect(tracker.commitCandidates()).toEqual([{ topic: T, partition: 0, offset: 3n }]);
  });

  it('when a middle offset is unsettled › the watermark stops at it', () => {
    const tracker = assignedTracker();
    const [a, , c] = admit(tracker, [10, 11, 12]);
    tracker.settle(a as Ticket);
    tracker.settle(c as Ticket);
    expect(tracker.commitCandidates()).toEqual([{ topic: T, partition: 0, offset: 11n }]);
  });

  it('when offsets have gaps (compaction, transaction markers) › commits past the last settled one', () => {
    const tracker = assignedTracker();
    for (const t of admit(tracker, [5, 9, 20])) tracker.settle(t);
    expect(tracker.commitCandidates()[0]?.offset).toBe(21n);
  });

  it('when nothing moved since the last commit › proposes nothing', () => {
    const tracker = assignedTracker();
    for (const t of admit(tracker, [0, 1])) tracker.settle(t);
    tracker.markCommitted(T, 0, 2n);
    expect(tracker.commitCandidates()).toEqual([]);
  });

  it('when an offset is refetched after a rebalance › refuses to admit it twice', () => {
    const tracker = assignedTracker();
    admit(tracker, [0, 1, 2]);
    expect(tracker.track(T, 0, 1n)).toBeUndefined();
    expect(tracker.track(T, 0, 3n)).toBeDefined();
  });

  it('when a partition is revoked › drops it and ignores late settles from its old tickets', () => {
    const tracker = assignedTracker();
    const [old] = admit(tracker, [0]);
    admit(tracker, [0], 1);
    expect(tracker.retain([{ topic: T, partition: 1 }])).toEqual([{ topic: T, partition: 0 }]);
    tracker.retain([
      { topic: T, partition: 0 },
      { topic: T, partition: 1 },
    ]); // assigned back in a later rebalance
    const [fresh] = admit(tracker, [0]);
    tracker.settle(old as Ticket);
    expect(tracker.commitCandidates().find((c) => c.partition === 0)).toEqual({ topic: T, partition: 0, offset: 0n });
    tracker.settle(fresh as Ticket);
    expect(tracker.commitCandidates().find((c) => c.partition === 0)?.offset).toBe(1n);
  });

  it('reports settled-but-uncommitted counts and the age of the oldest unsettled message', () => {
    let now = 1_000;
    const tracker = assignedTracker(() => now);
    const [a, b] = admit(tracker, [0, 1, 2]);
    now = 4_000;
    tracker.settle(a as Ticket);
    tracker.settle(b as Ticket);
    const [stats] = tracker.stats();
    expect(stats?.settledUncommitted).toBe(2);
    expect(stats?.pending).toBe(1);
    expect(stats?.oldestUnsettledAgeMs).toBe(3_000);
    tracker.markCommitted(T, 0, 2n);
    expect(tracker.stats()[0]?.settledUncommitted).toBe(0);
  });

  it('property: for any completion order the watermark never passes an unsettled offset', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 80 }).map((a) => a.sort((x, y) => x - y)),
        fc.func(fc.integer()),
        fc.integer({ min: 0, max: 80 }),
        (offsets, key, settleCount) => {
          const tracker = assignedTracker();
          const tickets = admit(tracker, offsets);
          const order = [...tickets].sort((x, y) => key(Number(x.offset)) - key(Number(y.offset)));
          const settled = new Set<bigint>();
          let lastCommitted = -1n;
          for (const ticket of order.slice(0, settleCount)) {
            tracker.settle(ticket);
            settled.add(ticket.offset);
            for (const c of tracker.commitCandidates()) {
              const committed = c.offset;
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
          const watermark = pending ? pending.offset : lastCommitted;
          if (settled.size > 0 || pending) expect(watermark).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('when a batch of a revoked partition is still being handled › a late track() is refused and re-creates nothing', () => {
    const tracker = assignedTracker();
    admit(tracker, [0, 1]);
    tracker.retain([{ topic: T, partition: 1 }]);
    expect(tracker.track(T, 0, 2n)).toBeUndefined();
    expect(tracker.owns(T, 0)).toBe(false);
    expect(tracker.commitCandidates().some((c) => c.partition === 0)).toBe(false);
    expect(tracker.stats().some((s) => s.partition === 0)).toBe(false);
  });

  it('when nothing is assigned yet › tracks nothing', () => {
    const tracker = new OffsetTracker();
    expect(tracker.track(T, 0, 0n)).toBeUndefined();
    expect(tracker.commitCandidates()).toEqual([]);
  });

  it('when a transaction marker follows the last record › commits past the marker once everything is settled', () => {
    const tracker = assignedTracker();
    const tickets = admit(tracker, [0, 1, 2]);
    tracker.markGap(T, 0, 4n); // offset 3 is the commit marker, never delivered
    tracker.setStableEnd(T, 0, 4n);
    expect(tracker.commitCandidates()[0]?.offset).toBe(0n);
    for (const t of tickets) tracker.settle(t);
    expect(tracker.commitCandidates()[0]?.offset).toBe(4n);
    tracker.markCommitted(T, 0, 4n);
    expect(tracker.stats()[0]?.lag).toBe(0n);
  });

  it('when a batch held only control records or aborted ones › commits past it', () => {
    const tracker = assignedTracker();
    tracker.markGap(T, 2, 10n);
    expect(tracker.commitCandidates()).toEqual([{ topic: T, partition: 2, offset: 10n }]);
    tracker.markGap(T, 2, 7n);
    expect(tracker.commitCandidates()[0]?.offset).toBe(10n);
  });

  it('counts how far admission ran past the watermark', () => {
    const tracker = assignedTracker();
    const [first, ...rest] = admit(tracker, [0, 1, 2, 3]);
    for (const t of rest) tracker.settle(t);
    expect(tracker.ahead(T, 0)).toBe(4);
    tracker.settle(first as Ticket);
    expect(tracker.ahead(T, 0)).toBe(0);
  });

  describe('when the fetch position moves backwards', () => {
    function committedThrough(next: number): { tracker: OffsetTracker; inProcess: Ticket } {
      const tracker = assignedTracker();
      const tickets = admit(
        tracker,
        Array.from({ length: next + 1 }, (_, i) => i),
      );
      for (const t of tickets.slice(0, next)) tracker.settle(t);
      tracker.markCommitted(T, 0, BigInt(next));
      return { tracker, inProcess: tickets[next] as Ticket };
    }

    it('below the committed offset, in a log that now ends below it › restarts the tracking there: the records are admitted and committed from the new start', () => {
      const { tracker, inProcess } = committedThrough(10);
      expect(tracker.rewind(T, 0, 0n, 3n)).toBe(10n);
      const fresh = admit(tracker, [0, 1]);
      expect(fresh.every((t) => t !== undefined)).toBe(true);
      tracker.settle(inProcess); // a record of the tracking before: void
      expect(tracker.commitCandidates()).toEqual([{ topic: T, partition: 0, offset: 0n }]);
      for (const t of fresh) tracker.settle(t);
      expect(tracker.commitCandidates()).toEqual([{ topic: T, partition: 0, offset: 2n }]);
    });

    it('at or above the committed offset (KafkaJS refetching after a rejoin) › changes nothing', () => {
      const { tracker } = committedThrough(10);
      expect(tracker.rewind(T, 0, 10n, 11n)).toBeUndefined();
      expect(tracker.track(T, 0, 10n)).toBeUndefined(); // still in process: not admitted twice
    });

    it('below the committed offset of a log that still holds it (KafkaJS refetching from an offset it cached) › changes nothing', () => {
      const { tracker } = committedThrough(10);
      expect(tracker.rewind(T, 0, 4n, 10n)).toBeUndefined();
      expect(tracker.rewind(T, 0, 4n, 12n)).toBeUndefined();
      expect(tracker.track(T, 0, 4n)).toBeUndefined(); // handled already: not sent twice
    });

    it('with nothing committed yet › changes nothing (a refetch from the reset policy may start anywhere below)', () => {
      const tracker = assignedTracker();
      admit(tracker, [5, 6]);
      expect(tracker.rewind(T, 0, 0n, 1n)).toBeUndefined();
    });

    it('when a commit of the tracking before is confirmed after the restart › it is not taken for the new one', () => {
      const { tracker } = committedThrough(10);
      tracker.rewind(T, 0, 0n, 3n);
      for (const t of admit(tracker, [0, 1, 2])) tracker.settle(t);
      tracker.markCommitted(T, 0, 11n);
      expect(tracker.commitCandidates()).toEqual([{ topic: T, partition: 0, offset: 3n }]);
      tracker.markCommitted(T, 0, 3n);
      expect(tracker.commitCandidates()).toEqual([]);
    });

    it("lag after the restart is against the new log's stable end", () => {
      const { tracker } = committedThrough(10);
      tracker.setStableEnd(T, 0, 12n);
      tracker.rewind(T, 0, 0n, 4n);
      admit(tracker, [0]);
      tracker.setStableEnd(T, 0, 4n);
      expect(tracker.stats().find((s) => s.partition === 0)?.lag).toBe(4n);
    });
  });
});
