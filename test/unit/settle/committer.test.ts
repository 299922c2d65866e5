import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMetrics } from '../../../src/platform/metrics.js';
import { Committer } from '../../../src/settle/committer.js';
import { OffsetTracker, type CommitOffset, type Ticket } from '../../../src/settle/offset-tracker.js';
import { silentLogger } from '../../support/pipeline.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(commit: (o: CommitOffset[]) => Promise<void> = async () => {}) {
  const tracker = new OffsetTracker();
  const commits: CommitOffset[][] = [];
  const committer = new Committer({
    tracker,
    commit: async (offsets) => {
      commits.push(offsets);
      await commit(offsets);
    },
    intervalMs: 1000,
    metrics: createMetrics({ registry: new Registry(), defaults: false }),
    logger: silentLogger,
  });
  return { tracker, committer, commits };
}

describe('Committer', () => {
  it('commits settled watermarks every interval, and only when they moved', async () => {
    const { tracker, committer, commits } = setup();
    committer.start();
    tracker.settle(tracker.track('t', 0, '0') as Ticket);
    await vi.advanceTimersByTimeAsync(1000);
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '1' }]]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(commits).toHaveLength(1);
    committer.stop();
  });

  it('when a commit fails › keeps the watermark and commits it next time', async () => {
    let fail = true;
    const { tracker, committer, commits } = setup(async () => {
      if (fail) throw new Error('coordinator moved');
    });
    tracker.settle(tracker.track('t', 0, '0') as Ticket);
    await committer.flush();
    fail = false;
    await committer.flush();
    expect(commits).toHaveLength(2);
    expect(tracker.commitCandidates()).toEqual([]);
  });

  it('while suspended for a rebalance › commits once before, then nothing until resumed', async () => {
    const { tracker, committer, commits } = setup();
    tracker.settle(tracker.track('t', 0, '0') as Ticket);
    await committer.flushThenSuspend();
    expect(commits).toHaveLength(1);
    tracker.settle(tracker.track('t', 0, '1') as Ticket);
    await committer.flush();
    expect(commits).toHaveLength(1);
    committer.resume();
    await committer.flush();
    expect(commits).toHaveLength(2);
  });
});
