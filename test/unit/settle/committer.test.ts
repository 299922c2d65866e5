import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { Ticket } from '../../../src/pipeline/topic-partition.js';
import { createMetrics } from '../../../src/platform/metrics.js';
import { Committer } from '../../../src/settle/committer.js';
import { type CommitOffset, OffsetTracker } from '../../../src/settle/offset-tracker.js';
import { silentLogger } from '../../support/pipeline.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(commit: (o: CommitOffset[]) => Promise<void | readonly CommitOffset[]> = async () => {}, { minIntervalMs = 0 } = {}) {
  const tracker = new OffsetTracker();
  tracker.retain([0, 1, 2].map((partition) => ({ topic: 't', partition })));
  const commits: CommitOffset[][] = [];
  const committer = new Committer({
    tracker,
    // By default the broker confirms everything it was sent.
    commit: async (offsets) => {
      commits.push(offsets);
      return (await commit(offsets)) ?? offsets;
    },
    intervalMs: 1000,
    minIntervalMs,
    metrics: createMetrics({ registry: new Registry(), defaults: false }),
    logger: silentLogger,
  });
  return { tracker, committer, commits };
}

describe('Committer', () => {
  it('commits settled watermarks every interval, and only when they moved', async () => {
    const { tracker, committer, commits } = setup();
    committer.start();
    tracker.settle(tracker.track('t', 0, 0n) as Ticket);
    await vi.advanceTimersByTimeAsync(1000);
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: 1n }]]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(commits).toHaveLength(1);
    committer.stop();
  });

  it('when another member set the group back on an idle partition › the owner commits its watermark again within the refresh interval', async () => {
    const { tracker, committer, commits } = setup();
    committer.start();
    tracker.settle(tracker.track('t', 0, 0n) as Ticket);
    await vi.advanceTimersByTimeAsync(1000);
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: 1n }]]);
    // Nothing moves any more; a stale commit elsewhere may have set the group's offset back.
    await vi.advanceTimersByTimeAsync(5000);
    expect(commits).toHaveLength(2);
    expect(commits[1]).toEqual([{ topic: 't', partition: 0, offset: 1n }]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(commits).toHaveLength(2);
    committer.stop();
  });

  it('when a commit fails › keeps the watermark and commits it next time', async () => {
    let fail = true;
    const { tracker, committer, commits } = setup(async () => {
      if (fail) throw new Error('coordinator moved');
    });
    tracker.settle(tracker.track('t', 0, 0n) as Ticket);
    await committer.flush();
    fail = false;
    await committer.flush();
    expect(commits).toHaveLength(2);
    expect(tracker.commitCandidates()).toEqual([]);
  });

  it('while suspended for a rebalance › commits once before, then nothing until resumed', async () => {
    const { tracker, committer, commits } = setup();
    tracker.settle(tracker.track('t', 0, 0n) as Ticket);
    await committer.flushThenSuspend();
    expect(commits).toHaveLength(1);
    tracker.settle(tracker.track('t', 0, 1n) as Ticket);
    await committer.flush();
    expect(commits).toHaveLength(1);
    committer.resume();
    await committer.flush();
    expect(commits).toHaveLength(2);
  });

  it('when the watermark moves › commits at once, one commit in flight, coalescing what settles meanwhile', async () => {
    let release: () => void = () => {};
    const { tracker, committer, commits } = setup(() => new Promise<void>((resolve) => (release = resolve)));
    tracker.settle(tracker.track('t', 0, 0n) as Ticket);
    committer.notify();
    await vi.advanceTimersByTimeAsync(0);
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: 1n }]]);
    for (const offset of [1n, 2n, 3n]) {
      tracker.settle(tracker.track('t', 0, offset) as Ticket);
      committer.notify();
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(commits).toHaveLength(1);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(commits).toHaveLength(2);
    expect(commits[1]).toEqual([{ topic: 't', partition: 0, offset: 4n }]);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(commits).toHaveLength(2);
  });

  it('with a least interval between commits › spaces them and still commits the latest watermark', async () => {
    const { tracker, committer, commits } = setup(undefined, { minIntervalMs: 50 });
    tracker.settle(tracker.track('t', 0, 0n) as Ticket);
    committer.notify();
    await vi.advanceTimersByTimeAsync(0);
    tracker.settle(tracker.track('t', 0, 1n) as Ticket);
    committer.notify();
    await vi.advanceTimersByTimeAsync(49);
    expect(commits).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(commits.map((c) => c[0]?.offset)).toEqual([1n, 2n]);
  });

  it('when KafkaJS resolves a commit the broker never confirmed › does not mark it committed and proposes it again', async () => {
    let confirm = false;
    const { tracker, committer, commits } = setup(async () => (confirm ? undefined : []));
    tracker.settle(tracker.track('t', 0, 0n) as Ticket);
    await committer.flush();
    expect(tracker.commitCandidates()).toEqual([{ topic: 't', partition: 0, offset: 1n }]);
    confirm = true;
    await committer.flush();
    expect(commits).toHaveLength(2);
    expect(tracker.commitCandidates()).toEqual([]);
  });

  it('when the broker confirms only some partitions › marks only those committed', async () => {
    const { tracker, committer } = setup(async (offsets) => offsets.filter((o) => o.partition === 1));
    tracker.settle(tracker.track('t', 0, 0n) as Ticket);
    tracker.settle(tracker.track('t', 1, 0n) as Ticket);
    await committer.flush();
    expect(tracker.commitCandidates()).toEqual([{ topic: 't', partition: 0, offset: 1n }]);
  });

  it('when the budget of an ended generation runs out late › the next generation keeps committing', async () => {
    const { tracker, committer, commits } = setup();
    const old = committer.generation;
    await committer.flushThenSuspend(old);
    committer.resume();
    committer.suspend(old);
    expect(committer.suspended).toBe(false);
    tracker.settle(tracker.track('t', 0, 0n) as Ticket);
    await committer.flush();
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: 1n }]]);
  });

  it('the last commit of a generation that ended before it ran › commits for the new one and does not suspend it', async () => {
    const { tracker, committer, commits } = setup();
    const old = committer.generation;
    committer.resume();
    tracker.settle(tracker.track('t', 0, 0n) as Ticket);
    await committer.flushThenSuspend(old);
    expect(committer.suspended).toBe(false);
    tracker.settle(tracker.track('t', 0, 1n) as Ticket);
    await committer.flush();
    expect(commits.map((c) => c[0]?.offset)).toEqual([1n, 2n]);
  });

  it('when shutdown comes during a rebalance › the final commit waits for the new assignment, then commits', async () => {
    const { tracker, committer, commits } = setup();
    await committer.flushThenSuspend();
    tracker.settle(tracker.track('t', 0, 0n) as Ticket);
    const final = committer.finalCommit(AbortSignal.timeout(5_000));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(commits).toHaveLength(0);
    committer.resume();
    await final;
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: 1n }]]);
  });

  it('when no assignment comes within the shutdown budget › the final commit gives up without committing', async () => {
    const { tracker, committer, commits } = setup();
    await committer.flushThenSuspend();
    tracker.settle(tracker.track('t', 0, 0n) as Ticket);
    const budget = new AbortController();
    const final = committer.finalCommit(budget.signal);
    budget.abort();
    await final;
    expect(commits).toHaveLength(0);
  });
});
