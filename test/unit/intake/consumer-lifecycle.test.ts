import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { HoldReason } from '../../../src/delivery/dispatcher-options.js';
import { ConsumerLifecycle } from '../../../src/intake/consumer-lifecycle.js';
import type { Ticket, TopicPartition } from '../../../src/pipeline/topic-partition.js';
import { createMetrics } from '../../../src/platform/metrics.js';
import { Committer } from '../../../src/settle/committer.js';
import { type CommitOffset, OffsetTracker } from '../../../src/settle/offset-tracker.js';
import { removePartitionGauges } from '../../../src/settle/partition-gauges.js';
import { fakeConsumer, kafkaError } from '../../support/fake-consumer.js';
import { silentLogger } from '../../support/pipeline.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const T = 'signups';

function setup({ commit = async () => {}, sendsIdle = async () => {} }: { commit?: () => Promise<void>; sendsIdle?: () => Promise<void> } = {}) {
  const kafka = fakeConsumer();
  const tracker = new OffsetTracker();
  const metrics = createMetrics({ registry: new Registry(), defaults: false });
  const holds = new Set<HoldReason>();
  const abandoned: Array<readonly TopicPartition[] | 'all'> = [];
  const dispatcher = {
    hold: (r: HoldReason) => void holds.add(r),
    unhold: (r: HoldReason) => void holds.delete(r),
    abandonPartitions: (p: readonly TopicPartition[]) => (p.length > 0 && abandoned.push(p), p.length),
    abandonAll: () => (abandoned.push('all'), 0),
    whenNoSendInFlight: sendsIdle,
  };
  const committer = { suspended: false, flushes: 0, notified: 0 };
  const fatal: string[] = [];
  const lifecycle = new ConsumerLifecycle({
    consumer: kafka.consumer,
    topic: T,
    tracker,
    dispatcher,
    committer: {
      generation: 0,
      flushThenSuspend: async () => {
        committer.flushes += 1;
        committer.suspended = true;
        await commit();
      },
      suspend: () => void (committer.suspended = true),
      resume: () => void (committer.suspended = false),
      notify: () => void (committer.notified += 1),
    },
    rejoinCommitBudgetMs: 3_000,
    maxAheadPerPartition: 10,
    onChange: () => {},
    onFatal: (reason) => fatal.push(reason),
    onContact: () => {},
    onPartitionsDropped: (partitions) => removePartitionGauges(metrics, partitions),
    metrics,
    logger: silentLogger,
  });
  return { kafka, tracker, metrics, holds, abandoned, committer, fatal, lifecycle };
}

const seriesOf = async (gauge: { get(): Promise<{ values: Array<{ labels: Record<string, unknown> }> }> }) =>
  (await gauge.get()).values.map((v) => v.labels.partition);

describe('ConsumerLifecycle', () => {
  it('on joining › owns the assigned partitions and nothing else', () => {
    const { kafka, tracker, lifecycle } = setup();
    kafka.join({ [T]: [0, 2] });
    expect(lifecycle.joined).toBe(true);
    expect(tracker.owns(T, 0)).toBe(true);
    expect(tracker.owns(T, 1)).toBe(false);
  });

  describe('when a heartbeat reports a rebalance', () => {
    it('starts no new send, commits what settled once, then makes every batch throw the error KafkaJS rejoins on', async () => {
      const { kafka, lifecycle, holds, committer } = setup();
      kafka.join({ [T]: [0, 1] });
      const rebalance = kafkaError('REBALANCE_IN_PROGRESS');
      await lifecycle.heartbeatFailed(rebalance);
      await lifecycle.heartbeatFailed(rebalance);
      expect(holds.has('rebalance')).toBe(true);
      expect(committer).toMatchObject({ flushes: 1, suspended: true });
      expect(() => lifecycle.assertMember()).toThrow(rebalance);
      expect(lifecycle.inGroup).toBe(true);
    });

    it('lets the sends in flight finish before the last commit, so their offsets are committed too', async () => {
      let idle: () => void = () => {};
      const { kafka, lifecycle, committer } = setup({ sendsIdle: () => new Promise<void>((resolve) => (idle = resolve)) });
      kafka.join({ [T]: [0] });
      const done = lifecycle.heartbeatFailed(kafkaError('REBALANCE_IN_PROGRESS'));
      await vi.advanceTimersByTimeAsync(100);
      expect(committer.flushes).toBe(0);
      idle();
      await done;
      expect(committer.flushes).toBe(1);
    });

    it('when a send hangs › commits without it once the budget is spent', async () => {
      const { kafka, lifecycle, committer } = setup({ sendsIdle: () => new Promise<void>(() => {}) });
      kafka.join({ [T]: [0] });
      let returned = false;
      void lifecycle.heartbeatFailed(kafkaError('REBALANCE_IN_PROGRESS')).then(() => (returned = true));
      await vi.advanceTimersByTimeAsync(3_000);
      expect(returned).toBe(true);
      expect(committer.suspended).toBe(true);
    });

    it('when the last commit hangs › gives up waiting after the budget so the member still rejoins in time', async () => {
      const { kafka, lifecycle } = setup({ commit: () => new Promise(() => {}) });
      kafka.join({ [T]: [0] });
      let returned = false;
      void lifecycle.heartbeatFailed(kafkaError('REBALANCE_IN_PROGRESS')).then(() => (returned = true));
      await vi.advanceTimersByTimeAsync(2_999);
      expect(returned).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(returned).toBe(true);
    });

    it('after the new assignment › keeps the retained partitions, drops the revoked ones and their series, and lets sends go on', async () => {
      const { kafka, lifecycle, tracker, holds, abandoned, committer, metrics } = setup();
      kafka.join({ [T]: [0, 1] });
      tracker.settle(tracker.track(T, 0, 0n) as Ticket);
      tracker.track(T, 1, 0n);
      for (const partition of [0, 1]) metrics.consumerLag.set({ topic: T, partition: String(partition) }, 5);
      await lifecycle.heartbeatFailed(kafkaError('REBALANCE_IN_PROGRESS'));
      kafka.join({ [T]: [0] });
      expect(() => lifecycle.assertMember()).not.toThrow();
      expect(holds.size).toBe(0);
      expect(committer.suspended).toBe(false);
      expect(abandoned).toEqual([[{ topic: T, partition: 1 }]]);
      expect(tracker.commitCandidates()).toEqual([{ topic: T, partition: 0, offset: 1n }]);
      expect(await seriesOf(metrics.consumerLag)).toEqual(['0']);
    });

    it('counts one rebalance however many signals report it', async () => {
      const { kafka, lifecycle, metrics } = setup();
      kafka.join({ [T]: [0] });
      await lifecycle.heartbeatFailed(kafkaError('REBALANCE_IN_PROGRESS'));
      kafka.rebalancing();
      expect((await metrics.rebalances.get()).values[0]?.value).toBe(1);
    });
  });

  describe('when KafkaJS rejoins on its own, with no error or event before the join', () => {
    // KafkaJS looks the coordinator up first in every join (consumerGroup.js [PRIVATE.JOIN]); a fetch
    // that saw a leader move or a new partition, or its own heartbeat an unknown member, rejoins at once.
    const joinStarts = (kafka: ReturnType<typeof fakeConsumer>) => kafka.request('GroupCoordinator', 10);

    it('the join starting › starts no new send and commits once with the old generation; after the join, revoked partitions are dropped and sends go on', async () => {
      const { kafka, lifecycle, tracker, holds, committer, metrics, abandoned } = setup();
      kafka.join({ [T]: [0, 1] });
      tracker.track(T, 1, 0n);
      joinStarts(kafka);
      expect(holds.has('rebalance')).toBe(true);
      expect(committer).toMatchObject({ flushes: 1, suspended: true });
      expect(lifecycle.joined).toBe(false);
      expect(lifecycle.inGroup).toBe(true);
      // KafkaJS is already rejoining: no batch needs to throw for it.
      expect(() => lifecycle.assertMember()).not.toThrow();
      kafka.join({ [T]: [0] });
      expect(holds.size).toBe(0);
      expect(committer.suspended).toBe(false);
      expect(abandoned).toEqual([[{ topic: T, partition: 1 }]]);
      expect((await metrics.rebalances.get()).values[0]?.value).toBe(1);
    });

    it('a join under a new member id (the heartbeat KafkaJS sends itself found the member unknown) › every partition of the old member is dropped, even one assigned again', () => {
      const { kafka, tracker, abandoned, lifecycle } = setup();
      kafka.join({ [T]: [0, 1] }, 'member-1');
      tracker.settle(tracker.track(T, 0, 0n) as Ticket);
      tracker.track(T, 0, 1n);
      joinStarts(kafka);
      kafka.join({ [T]: [0] }, 'member-2');
      expect(abandoned).toEqual(['all']);
      // Another member may have owned it meanwhile: nothing of the old member's is committed for it.
      expect(tracker.commitCandidates()).toEqual([]);
      expect(tracker.owns(T, 0)).toBe(true);
      expect(lifecycle.joined).toBe(true);
    });

    it('the first join, or a join after a rebalance already known › is no new rebalance', async () => {
      const { kafka, holds, committer, metrics } = setup();
      joinStarts(kafka);
      expect(holds.size).toBe(0);
      kafka.join({ [T]: [0] });
      kafka.rebalancing();
      joinStarts(kafka);
      expect(committer.flushes).toBe(1);
      expect((await metrics.rebalances.get()).values[0]?.value).toBe(1);
    });

    it('any other request (fetch, heartbeat, metadata, commit) › changes nothing', () => {
      const { kafka, holds, committer, lifecycle } = setup();
      kafka.join({ [T]: [0] });
      for (const [name, key] of [
        ['Fetch', 1],
        ['Heartbeat', 12],
        ['Metadata', 3],
        ['OffsetCommit', 8],
      ] as const)
        kafka.request(name, key);
      expect(holds.size).toBe(0);
      expect(committer.flushes).toBe(0);
      expect(lifecycle.joined).toBe(true);
    });

    it('a join that moved partitions with no sign at all beforehand › is still counted as a rebalance; one that moved none is not', async () => {
      const { kafka, tracker, metrics, abandoned } = setup();
      kafka.join({ [T]: [0, 1] });
      kafka.join({ [T]: [0, 1] });
      tracker.track(T, 1, 0n);
      expect((await metrics.rebalances.get()).values[0]?.value ?? 0).toBe(0);
      kafka.join({ [T]: [0] });
      expect(abandoned).toEqual([[{ topic: T, partition: 1 }]]);
      kafka.join({ [T]: [0, 2] });
      expect((await metrics.rebalances.get()).values[0]?.value).toBe(2);
    });
  });

  describe('with the real committer', () => {
    function withCommitter({ commitMs }: { commitMs: number[] }) {
      const kafka = fakeConsumer();
      const tracker = new OffsetTracker();
      const metrics = createMetrics({ registry: new Registry(), defaults: false });
      const commits: string[] = [];
      const committer = new Committer({
        tracker,
        // Each commit takes the next of `commitMs` (then none), as a broker that answers slowly does.
        commit: async (offsets: CommitOffset[]) => {
          commits.push(offsets.map((o) => `${o.partition}@${o.offset}`).join(','));
          await new Promise((resolve) => setTimeout(resolve, commitMs.shift() ?? 0));
          return offsets;
        },
        intervalMs: 60_000,
        metrics,
        logger: silentLogger,
      });
      const dispatcher = { hold: () => {}, unhold: () => {}, abandonPartitions: () => 0, abandonAll: () => 0, whenNoSendInFlight: async () => {} };
      const lifecycle = new ConsumerLifecycle({
        consumer: kafka.consumer,
        topic: T,
        tracker,
        dispatcher,
        committer,
        rejoinCommitBudgetMs: 1_000,
        maxAheadPerPartition: 10,
        onChange: () => {},
        onFatal: () => {},
        onContact: () => {},
        onPartitionsDropped: () => {},
        metrics,
        logger: silentLogger,
      });
      const settle = (offset: bigint) => tracker.settle(tracker.track(T, 0, offset) as Ticket);
      return { kafka, committer, commits, lifecycle, settle };
    }

    it('when KafkaJS rejoins before the last commit of the old generation returns › the spent budget does not suspend the new generation', async () => {
      const { kafka, committer, commits, settle } = withCommitter({ commitMs: [1_500] });
      kafka.join({ [T]: [0] });
      settle(0n);
      kafka.rebalancing();
      await vi.advanceTimersByTimeAsync(300);
      kafka.join({ [T]: [0] });
      // The budget (1 s) is spent while the last commit of the old generation (1.5 s) is still running.
      await vi.advanceTimersByTimeAsync(1_700);
      expect(committer.suspended).toBe(false);
      settle(1n);
      committer.notify();
      await vi.advanceTimersByTimeAsync(0);
      expect(commits).toEqual(['0@1', '0@2']);
      // A graceful stop commits too (it would wait for an assignment that already came).
      settle(2n);
      committer.stop();
      const final = committer.finalCommit(new AbortController().signal);
      await vi.advanceTimersByTimeAsync(0);
      await final;
      expect(commits).toEqual(['0@1', '0@2', '0@3']);
    });
  });

  it('when a heartbeat says the member is unknown (evicted) › every partition is treated as revoked at once', async () => {
    const { kafka, lifecycle, tracker, abandoned, holds } = setup();
    kafka.join({ [T]: [0, 1] });
    tracker.track(T, 0, 0n);
    const evicted = kafkaError('UNKNOWN_MEMBER_ID');
    await lifecycle.heartbeatFailed(evicted);
    expect(abandoned).toEqual(['all']);
    expect(holds.has('rebalance')).toBe(true);
    expect(tracker.owns(T, 0)).toBe(false);
    expect(tracker.commitCandidates()).toEqual([]);
    expect(() => lifecycle.assertMember()).toThrow(evicted);
    expect(lifecycle.inGroup).toBe(false);
  });

  it('when the member is evicted while a commit hangs in the KafkaJS retries › rejoins at once and commits nothing more', async () => {
    const { kafka, lifecycle, committer } = setup({ commit: () => new Promise(() => {}) });
    kafka.join({ [T]: [0] });
    let returned = false;
    void lifecycle.heartbeatFailed(kafkaError('UNKNOWN_MEMBER_ID')).then(() => (returned = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(returned).toBe(true);
    expect(committer.suspended).toBe(true);
  });

  it('when a rebalance turns into a lost membership › throws the membership error so KafkaJS rejoins as a new member', async () => {
    const { kafka, lifecycle, abandoned } = setup();
    kafka.join({ [T]: [0] });
    await lifecycle.heartbeatFailed(kafkaError('REBALANCE_IN_PROGRESS'));
    const fenced = kafkaError('ILLEGAL_GENERATION');
    await lifecycle.heartbeatFailed(fenced);
    expect(() => lifecycle.assertMember()).toThrow(fenced);
    expect(abandoned).toEqual(['all']);
  });

  it('a heartbeat error that says nothing about the group (network) › changes nothing', async () => {
    const { kafka, lifecycle, holds } = setup();
    kafka.join({ [T]: [0] });
    await lifecycle.heartbeatFailed(Object.assign(new Error('Connection timeout'), { name: 'KafkaJSConnectionError' }));
    expect(holds.size).toBe(0);
    expect(() => lifecycle.assertMember()).not.toThrow();
  });

  describe('KafkaJS crash and restart', () => {
    it('when the circuit opens while the consumer group is being rebuilt › the pause is applied when the rebuilt group joins', () => {
      const { kafka, lifecycle } = setup();
      kafka.join({ [T]: [0] });
      kafka.crash(Object.assign(new Error('Connection error'), { retriable: true }), true);
      kafka.setInitialized(false);
      expect(() => lifecycle.setCircuitOpen(true)).not.toThrow();
      expect(kafka.calls).toEqual([{ op: 'resume', topics: [{ topic: T }] }]);
      kafka.setInitialized(true);
      kafka.join({ [T]: [0] }, 'member-2');
      expect(kafka.calls.at(-1)).toEqual({ op: 'pause', topics: [{ topic: T }] });
    });

    it('a crash-restart makes a new member › drops every partition; a crash for good stops the service', () => {
      const { kafka, tracker, abandoned, fatal } = setup();
      kafka.join({ [T]: [0] });
      kafka.crash(new Error('boom'), true);
      expect(abandoned).toEqual(['all']);
      expect(tracker.owns(T, 0)).toBe(false);
      expect(fatal).toEqual([]);
      kafka.crash(new Error('boom'), false);
      expect(fatal).toEqual(['consumer crashed']);
    });
  });

  describe('pauses', () => {
    it('a partition past its bound › is paused, reported and unready, and resumed once its watermark moved', async () => {
      const { kafka, lifecycle, tracker, metrics } = setup();
      kafka.join({ [T]: [0, 1] });
      const tickets = Array.from({ length: 10 }, (_, i) => tracker.track(T, 1, BigInt(i)) as Ticket);
      lifecycle.blockPartition({ topic: T, partition: 1 });
      expect(kafka.calls.at(-1)).toEqual({ op: 'pause', topics: [{ topic: T, partitions: [1] }] });
      expect(lifecycle.blockedPartitions).toEqual([{ topic: T, partition: 1 }]);
      expect(await seriesOf(metrics.partitionBlocked)).toEqual(['1']);
      lifecycle.refresh();
      expect(lifecycle.blockedPartitions).toHaveLength(1);
      for (const t of tickets) tracker.settle(t);
      lifecycle.refresh();
      expect(lifecycle.blockedPartitions).toEqual([]);
      expect(kafka.calls.at(-1)).toEqual({ op: 'resume', topics: [{ topic: T }] });
      expect(await seriesOf(metrics.partitionBlocked)).toEqual([]);
    });

    it('the circuit closing › resumes the topic but keeps blocked partitions paused', () => {
      const { kafka, lifecycle, tracker } = setup();
      kafka.join({ [T]: [0, 1] });
      tracker.track(T, 1, 0n);
      lifecycle.setCircuitOpen(true);
      lifecycle.blockPartition({ topic: T, partition: 1 });
      lifecycle.setCircuitOpen(false);
      expect(kafka.calls.slice(-2)).toEqual([
        { op: 'resume', topics: [{ topic: T }] },
        { op: 'pause', topics: [{ topic: T, partitions: [1] }] },
      ]);
    });

    it('the circuit open › reports fetching paused', async () => {
      const { kafka, lifecycle, metrics } = setup();
      kafka.join({ [T]: [0] });
      lifecycle.setCircuitOpen(true);
      expect((await metrics.fetchPaused.get()).values[0]?.value).toBe(1);
      lifecycle.setCircuitOpen(false);
      expect((await metrics.fetchPaused.get()).values[0]?.value).toBe(0);
    });

    it('when stopping › stays paused whatever joins next', () => {
      const { kafka, lifecycle } = setup();
      kafka.join({ [T]: [0] });
      lifecycle.stop();
      kafka.join({ [T]: [0] });
      expect(kafka.calls.at(-1)).toEqual({ op: 'pause', topics: [{ topic: T }] });
    });
  });

  it('a batch of only transaction markers or aborted records, which KafkaJS resolves itself › the watermark passes it', () => {
    const { kafka, tracker, committer } = setup();
    kafka.join({ [T]: [0] });
    kafka.endBatch({ topic: T, partition: 0, batchSize: 0, firstOffset: '7', lastOffset: '8' });
    expect(tracker.commitCandidates()).toEqual([{ topic: T, partition: 0, offset: 9n }]);
    expect(committer.notified).toBe(1);
    kafka.endBatch({ topic: T, partition: 0, batchSize: 3, firstOffset: '9', lastOffset: '11' });
    expect(tracker.commitCandidates()).toEqual([{ topic: T, partition: 0, offset: 9n }]);
  });

  it('close() › stops listening to KafkaJS', () => {
    const { kafka, lifecycle, tracker } = setup();
    lifecycle.close();
    kafka.join({ [T]: [0] });
    expect(tracker.owns(T, 0)).toBe(false);
  });
});
