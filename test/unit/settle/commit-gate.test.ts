import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMetrics } from '../../../src/platform/metrics.js';
import { CommitGate } from '../../../src/settle/commit-gate.js';
import { Committer } from '../../../src/settle/committer.js';
import { OffsetTracker, type Ticket } from '../../../src/settle/offset-tracker.js';
import { buildDispatcher, record, scriptedMailer, signupValue, silentLogger } from '../../support/pipeline.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const TOPIC = 'signups';

type BrokerMode = 'refuse' | 'silent' | 'answer';

/**
 * The service's settle → commit path with a real Dispatcher, OffsetTracker, Committer and CommitGate,
 * wired as the app wires them; the broker's answer is scripted: `refuse` rejects a commit at once (the
 * coordinator's node not in KafkaJS's metadata), `silent` leaves it unanswered until the mode changes,
 * `answer` confirms it after `commitMs`.
 */
function setup({ maxUncommitted, workerCount = 2, sendMs = 10, commitMs = 0, mode = 'refuse' }: { maxUncommitted: number; workerCount?: number; sendMs?: number; commitMs?: number; mode?: BrokerMode }) {
  const metrics = createMetrics({ registry: new Registry(), defaults: false });
  const tracker = new OffsetTracker();
  tracker.retain([{ topic: TOPIC, partition: 0 }]);
  const answered: Array<() => void> = [];
  const broker = {
    mode,
    commits: 0,
    /** Sends started when the first commit was refused, and when the first commit was confirmed. */
    sentAtFirstRefusal: undefined as number | undefined,
    firstConfirmedAt: undefined as number | undefined,
    set(next: BrokerMode) {
      broker.mode = next;
      for (const done of answered.splice(0)) done();
    },
  };
  const committer = new Committer({
    tracker,
    commit: async (offsets) => {
      broker.commits += 1;
      while (broker.mode === 'silent') await new Promise<void>((resolve) => answered.push(resolve));
      if (broker.mode === 'refuse') {
        broker.sentAtFirstRefusal ??= mailer.attempts.length;
        throw new Error('Broker 1 not found in the cached metadata');
      }
      await new Promise((resolve) => setTimeout(resolve, commitMs));
      broker.firstConfirmedAt ??= Date.now();
      return offsets;
    },
    intervalMs: 1000,
    metrics,
    logger: silentLogger,
    onCommitted: () => gate.check(),
    onConfirmationChange: () => gate.check(),
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
    confirmation: () => committer.confirmation,
    metrics,
    logger: silentLogger,
  });
  const admit = (count: number, from = 0) => {
    for (let i = from; i < from + count; i += 1) {
      const r = record(signupValue(`evt-${i}`), { topic: TOPIC, partition: 0, offset: i });
      expect(tracker.track(TOPIC, 0, String(i))).toBeDefined();
      submit(r);
      committer.positionKnown();
    }
  };
  /** What ConsumerLifecycle does on a join: the rebalance hold ends once the committer resumed. */
  const join = (partitions = [0]) => {
    dispatcher.hold('rebalance');
    tracker.retain(partitions.map((partition) => ({ topic: TOPIC, partition })));
    committer.resume();
    dispatcher.unhold('rebalance');
  };
  return { tracker, committer, gate, mailer, broker, metrics, admit, join };
}

describe('CommitGate', () => {
  it('when commits go unanswered › holds new sends once KAFKA_MAX_UNCOMMITTED offsets are settled but uncommitted; a commit that succeeds releases them', async () => {
    const { committer, gate, mailer, broker, metrics, admit, tracker } = setup({ maxUncommitted: 10, workerCount: 2, mode: 'silent' });
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

    broker.set('answer');
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
    const tickets = Array.from({ length: 50 }, (_, i) => tracker.track(TOPIC, 0, String(i)) as Ticket);
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
    const tickets = Array.from({ length: 10 }, (_, i) => tracker.track(TOPIC, 0, String(i)) as Ticket);
    for (const ticket of tickets) tracker.settle(ticket);
    gate.check();
    expect(gate.blocked).toBe(true);
    tracker.markCommitted(TOPIC, 0, '5');
    gate.check();
    expect(tracker.uncommitted()).toBe(5);
    expect(gate.blocked).toBe(true);
    tracker.markCommitted(TOPIC, 0, '6');
    gate.check();
    expect(gate.blocked).toBe(false);
  });

  it('a revoked partition no longer counts: the rebalance releases the hold', () => {
    const { tracker, gate } = setup({ maxUncommitted: 3 });
    for (let i = 0; i < 3; i += 1) tracker.settle(tracker.track(TOPIC, 0, String(i)) as Ticket);
    gate.check();
    expect(gate.blocked).toBe(true);
    tracker.retain([]);
    gate.check();
    expect(gate.blocked).toBe(false);
  });
});

describe('CommitGate, while commits are not confirmed', () => {
  it('when a commit is refused › new sends hold at once, long before KAFKA_MAX_UNCOMMITTED; unready only after 5 s; the first confirmed commit releases them', async () => {
    const { committer, gate, mailer, broker, metrics, admit, join } = setup({ maxUncommitted: 500, workerCount: 2, mode: 'answer' });
    committer.start();
    join();
    admit(300);
    await vi.advanceTimersByTimeAsync(100);
    expect(mailer.attempts.length).toBeGreaterThan(0);
    broker.set('refuse');
    await vi.advanceTimersByTimeAsync(200);
    expect(broker.sentAtFirstRefusal).toBeDefined();
    await vi.advanceTimersByTimeAsync(10_000);
    // Only the sends in flight when the commit was refused finish.
    expect(mailer.attempts.length).toBeLessThanOrEqual((broker.sentAtFirstRefusal as number) + 2);
    expect(gate.holding).toBe(true);
    expect(gate.blocked).toBe(true);
    expect((await metrics.commitBlocked.get()).values[0]?.value).toBe(1);

    broker.set('answer');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(gate.holding).toBe(false);
    expect(gate.blocked).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(mailer.attempts).toHaveLength(300);
    committer.stop();
  });

  it('while commits are refused for less than 5 s › sends hold and the pod stays ready (no flapping on one failed commit)', async () => {
    const { committer, gate, broker, admit, join } = setup({ maxUncommitted: 500, mode: 'answer' });
    committer.start();
    join();
    admit(50);
    await vi.advanceTimersByTimeAsync(100);
    broker.set('refuse');
    await vi.advanceTimersByTimeAsync(1_500);
    gate.check();
    expect(gate.holding).toBe(true);
    expect(gate.blocked).toBe(false);
    broker.set('answer');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(gate.holding).toBe(false);
    expect(gate.blocked).toBe(false);
    committer.stop();
  });

  it('after a join › sends nothing from the assignment before a commit of the new generation is confirmed, then sends one commit round trip later', async () => {
    const { committer, gate, mailer, broker, admit, join } = setup({ maxUncommitted: 500, mode: 'answer', commitMs: 200 });
    const t0 = Date.now();
    committer.start();
    join();
    admit(20);
    await vi.advanceTimersByTimeAsync(150);
    expect(mailer.attempts).toHaveLength(0);
    expect(gate.holding).toBe(true);
    expect(gate.blocked).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(broker.firstConfirmedAt).toBe(t0 + 200);
    expect(mailer.attempts.length).toBeGreaterThan(0);
    expect(mailer.attempts[0]?.at).toBeGreaterThanOrEqual(t0 + 200);
    committer.stop();
  });

  it('after a join whose commits are refused › sends nothing until one is confirmed, however many records wait', async () => {
    const { committer, gate, mailer, broker, admit, join } = setup({ maxUncommitted: 500, mode: 'refuse' });
    committer.start();
    join();
    admit(100);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(broker.commits).toBeGreaterThan(10);
    expect(mailer.attempts).toHaveLength(0);
    expect(gate.blocked).toBe(true);
    broker.set('answer');
    await vi.advanceTimersByTimeAsync(1_500);
    expect(gate.blocked).toBe(false);
    expect(mailer.attempts.length).toBeGreaterThan(0);
    committer.stop();
  });

  it('after a join with nothing to commit (no record fetched, or no partition) › the pod stays ready, and the first record admitted is committed at once and sent after it', async () => {
    const { committer, gate, mailer, broker, admit, join } = setup({ maxUncommitted: 500, mode: 'answer', commitMs: 20 });
    const t0 = Date.now();
    committer.start();
    join([]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(gate.blocked).toBe(false);
    join([0]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(broker.commits).toBe(0);
    expect(gate.blocked).toBe(false);
    admit(5);
    // Well inside the committer's 1 s safety interval: the admission itself starts the commit.
    await vi.advanceTimersByTimeAsync(100);
    expect(broker.firstConfirmedAt).toBe(t0 + 20_020);
    expect(mailer.attempts.length).toBeGreaterThan(0);
    expect(mailer.attempts[0]?.at).toBeGreaterThanOrEqual(t0 + 20_020);
    expect(gate.holding).toBe(false);
    committer.stop();
  });
});
