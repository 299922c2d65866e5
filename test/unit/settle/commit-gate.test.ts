import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { Ticket } from '../../../src/pipeline/topic-partition.js';
import { createMetrics } from '../../../src/platform/metrics.js';
import { CommitGate } from '../../../src/settle/commit-gate.js';
import { Committer } from '../../../src/settle/committer.js';
import { OffsetTracker } from '../../../src/settle/offset-tracker.js';
import { buildDispatcher, record, scriptedMailer, signupValue, silentLogger } from '../../support/pipeline.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const TOPIC = 'signups';

/** The service's settle → commit path with a real Dispatcher, OffsetTracker and Committer; the broker's answer is scripted. */
function setup({ maxUncommitted, workerCount = 2, sendMs = 10 }: { maxUncommitted: number; workerCount?: number; sendMs?: number }) {
  const metrics = createMetrics({ registry: new Registry(), defaults: false });
  const tracker = new OffsetTracker();
  tracker.retain([{ topic: TOPIC, partition: 0 }]);
  const broker = { reachable: false, commits: 0 };
  const committer = new Committer({
    tracker,
    commit: async (offsets) => {
      broker.commits += 1;
      if (!broker.reachable) throw new Error('The coordinator is not available');
      return offsets;
    },
    intervalMs: 1000,
    metrics,
    logger: silentLogger,
    onCommitted: () => gate.check(),
  });
  const mailer = scriptedMailer(() => new Promise((resolve) => setTimeout(resolve, sendMs)));
  const { dispatcher, submit } = buildDispatcher({
    mailer,
    workerCount,
    buffer: 1000,
    settle: async (r) => {
      tracker.settle(r.ticket);
      gate.check();
      committer.notify();
    },
  });
  const gate = new CommitGate({
    uncommitted: () => tracker.uncommitted(),
    max: maxUncommitted,
    hold: () => dispatcher.hold('commit'),
    release: () => dispatcher.unhold('commit'),
    metrics,
    logger: silentLogger,
  });
  const admit = (count: number) => {
    for (let i = 0; i < count; i += 1) {
      const r = record(signupValue(`evt-${i}`), { topic: TOPIC, partition: 0, offset: i });
      expect(tracker.track(TOPIC, 0, BigInt(i))).toBeDefined();
      submit(r);
    }
  };
  return { tracker, committer, gate, mailer, broker, metrics, admit };
}

describe('CommitGate', () => {
  it('when commits keep failing › holds new sends once KAFKA_MAX_UNCOMMITTED offsets are settled but uncommitted; a commit that succeeds releases them', async () => {
    const { committer, gate, mailer, broker, metrics, admit, tracker } = setup({ maxUncommitted: 10, workerCount: 2 });
    committer.start();
    admit(100);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(broker.commits).toBeGreaterThan(0);
    expect(gate.blocked).toBe(true);
    expect((await metrics.commitBlocked.get()).values[0]?.value).toBe(1);
    // Only the sends already in flight when the bound was reached may start past it.
    expect(mailer.attempts.length).toBeGreaterThanOrEqual(10);
    expect(mailer.attempts.length).toBeLessThanOrEqual(10 + 2);
    const whileHeld = mailer.attempts.length;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(mailer.attempts.length).toBe(whileHeld);

    broker.reachable = true;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(gate.blocked).toBe(false);
    expect((await metrics.commitBlocked.get()).values[0]?.value).toBe(0);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(mailer.attempts).toHaveLength(100);
    expect(tracker.uncommitted()).toBe(0);
    committer.stop();
  });

  it('offsets settled ahead of an unsettled one (a message waiting for its retry) do not hold sends', () => {
    const { tracker, gate } = setup({ maxUncommitted: 5 });
    const tickets = Array.from({ length: 50 }, (_, i) => tracker.track(TOPIC, 0, BigInt(i)) as Ticket);
    for (const ticket of tickets.slice(1)) tracker.settle(ticket);
    gate.check();
    expect(tracker.uncommitted()).toBe(0);
    expect(gate.blocked).toBe(false);
    tracker.settle(tickets[0] as Ticket);
    gate.check();
    expect(tracker.uncommitted()).toBe(50);
    expect(gate.blocked).toBe(true);
  });

  it('releases only once a commit brings the uncommitted offsets below half the bound', () => {
    const { tracker, gate } = setup({ maxUncommitted: 10 });
    const tickets = Array.from({ length: 10 }, (_, i) => tracker.track(TOPIC, 0, BigInt(i)) as Ticket);
    for (const ticket of tickets) tracker.settle(ticket);
    gate.check();
    expect(gate.blocked).toBe(true);
    tracker.markCommitted(TOPIC, 0, 5n);
    gate.check();
    expect(tracker.uncommitted()).toBe(5);
    expect(gate.blocked).toBe(true);
    tracker.markCommitted(TOPIC, 0, 6n);
    gate.check();
    expect(gate.blocked).toBe(false);
  });

  it('a revoked partition no longer counts: the rebalance releases the hold', () => {
    const { tracker, gate } = setup({ maxUncommitted: 3 });
    for (let i = 0; i < 3; i += 1) tracker.settle(tracker.track(TOPIC, 0, BigInt(i)) as Ticket);
    gate.check();
    expect(gate.blocked).toBe(true);
    tracker.retain([]);
    gate.check();
    expect(gate.blocked).toBe(false);
  });
});
