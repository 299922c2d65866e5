import { describe, expect, it, vi } from 'vitest';

import { StableOffsetPoll } from '../../../src/intake/stable-offset-poll.js';
import { OffsetTracker } from '../../../src/settle/offset-tracker.js';
import { silentLogger } from '../../support/pipeline.js';

function setup(offsets: Array<{ partition: number; high: string }>) {
  const tracker = new OffsetTracker();
  tracker.retain([
    { topic: 'signups', partition: 0 },
    { topic: 'signups', partition: 1 },
  ]);
  tracker.track('signups', 0, 0n);
  tracker.track('signups', 1, 0n);
  let now = 0;
  const admin = {
    connect: vi.fn(async () => {}),
    disconnect: vi.fn(async () => {}),
    fetchTopicOffsets: vi.fn(async () => offsets.map((o) => ({ ...o, offset: o.high, low: '0' }))),
  };
  const poll = new StableOffsetPoll({ admin, topic: 'signups', tracker, everyMs: 5_000, now: () => now, logger: silentLogger });
  const lag = () => Object.fromEntries(tracker.stats().map((s) => [s.partition, s.lag]));
  return { tracker, admin, poll, lag, advance: (ms: number) => (now += ms) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('StableOffsetPoll', () => {
  it('sets the last stable offsets of owned partitions (lag moves while the consumer fetches nothing), at most every 5 s', async () => {
    const { admin, poll, lag, advance } = setup([
      { partition: 0, high: '120' },
      { partition: 1, high: '7' },
      { partition: 2, high: '999' },
    ]);
    poll.poll();
    await settle();
    expect(lag()).toMatchObject({ 0: 120n, 1: 7n });
    expect(lag()).not.toHaveProperty('2');
    poll.poll();
    advance(4_999);
    poll.poll();
    await settle();
    expect(admin.fetchTopicOffsets).toHaveBeenCalledTimes(1);
    advance(1);
    poll.poll();
    await settle();
    expect(admin.fetchTopicOffsets).toHaveBeenCalledTimes(2);
    expect(admin.connect).toHaveBeenCalledTimes(1);
    await poll.close();
    expect(admin.disconnect).toHaveBeenCalledTimes(1);
  });

  it('when the broker reports a lower end than before (the topic created again) › lag follows it down', async () => {
    const offsets = [{ partition: 0, high: '50' }];
    const { poll, lag, advance } = setup(offsets);
    poll.poll();
    await settle();
    expect(lag()[0]).toBe(50n);
    offsets[0] = { partition: 0, high: '10' };
    advance(5_000);
    poll.poll();
    await settle();
    expect(lag()[0]).toBe(10n);
  });

  it('when the last read is older than what was fetched since › lag counts at least what was fetched', async () => {
    const { tracker, poll, lag } = setup([{ partition: 0, high: '1' }]);
    for (let offset = 1; offset < 30; offset += 1) tracker.track('signups', 0, BigInt(offset));
    poll.poll();
    await settle();
    expect(lag()[0]).toBe(30n);
  });

  it('a failed read is logged at debug and retried at the next poll; close without a read disconnects nothing', async () => {
    const { admin, poll, advance } = setup([]);
    admin.fetchTopicOffsets.mockRejectedValueOnce(new Error('broker down'));
    poll.poll();
    await settle();
    advance(5_000);
    poll.poll();
    await settle();
    expect(admin.fetchTopicOffsets).toHaveBeenCalledTimes(2);
    const idle = setup([]);
    await idle.poll.close();
    expect(idle.admin.disconnect).not.toHaveBeenCalled();
  });
});
