import { getEventListeners } from 'node:events';

import type { Batch, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { createBatchHandler } from '../../../src/intake/batch-handler.js';
import { Capacity } from '../../../src/pipeline/capacity.js';
import type { ConsumedRecord } from '../../../src/pipeline/outcome.js';
import { createMetrics } from '../../../src/platform/metrics.js';
import { OffsetTracker } from '../../../src/settle/offset-tracker.js';
import { silentLogger } from '../../support/pipeline.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function payload(offsets: number[], overrides: Partial<EachBatchPayload> = {}) {
  const messages = offsets.map(
    (o) => ({ offset: String(o), key: null, value: Buffer.from('{}'), headers: {}, timestamp: '0', attributes: 0 }) as unknown as KafkaMessage,
  );
  const resolved: string[] = [];
  const heartbeat = vi.fn(async () => {});
  const p = {
    batch: {
      topic: 't',
      partition: 0,
      highWatermark: String((offsets.at(-1) ?? 0) + 1),
      messages,
      lastOffset: () => String(offsets.at(-1)),
    } as unknown as Batch,
    resolveOffset: (o: string) => resolved.push(o),
    heartbeat,
    isRunning: () => true,
    isStale: () => false,
    ...overrides,
  } as unknown as EachBatchPayload;
  return { p, resolved, heartbeat };
}

/** A membership gate of our own: once a heartbeat fails, every batch is refused with that error. */
function gate() {
  let known: unknown;
  const failed: unknown[] = [];
  return {
    failed,
    assertMember: () => {
      if (known) throw known;
    },
    heartbeatFailed: async (err: unknown) => {
      failed.push(err);
      known = err;
    },
  };
}

function setup(limit: number, { maxAhead = 10_000 } = {}) {
  const tracker = new OffsetTracker();
  tracker.retain([{ topic: 't', partition: 0 }]);
  const capacity = new Capacity(limit);
  const submitted: ConsumedRecord[] = [];
  const full: Array<{ topic: string; partition: number }> = [];
  const stop = new AbortController();
  const metrics = createMetrics({ registry: new Registry(), defaults: false });
  const membership = gate();
  const handler = createBatchHandler({
    tracker,
    capacity,
    submit: (r) => submitted.push(r),
    membership,
    heartbeatEveryMs: 1000,
    maxAheadPerPartition: maxAhead,
    onPartitionFull: (tp) => full.push(tp),
    // In the service the pause state owns the gauge; here the handler's reports go straight to it.
    onFetchPaused: (paused) => metrics.fetchPaused.set(paused ? 1 : 0),
    signal: stop.signal,
    metrics,
    logger: silentLogger,
  });
  return { tracker, capacity, submitted, stop, handler, metrics, membership, full };
}

describe('batch handler', () => {
  it('hands every message to the pool without waiting for delivery and resolves it', async () => {
    const { handler, submitted } = setup(10);
    const { p, resolved } = payload([0, 1, 2]);
    await handler(p);
    expect(submitted.map((r) => r.message.offset)).toEqual(['0', '1', '2']);
    expect(resolved).toEqual(['0', '1', '2']);
  });

  it('when the buffer is full › waits (fetching paused) and heartbeats until a slot frees', async () => {
    const { handler, submitted, capacity, metrics } = setup(2);
    const { p, heartbeat } = payload([0, 1, 2, 3]);
    const run = handler(p);
    await vi.advanceTimersByTimeAsync(0);
    expect(submitted).toHaveLength(2);
    expect((await metrics.fetchPaused.get()).values[0]?.value).toBe(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(heartbeat.mock.calls.length).toBeGreaterThanOrEqual(4);
    capacity.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(submitted).toHaveLength(3);
    capacity.release();
    await run;
    expect(submitted).toHaveLength(4);
    expect(capacity.held).toBe(2);
    expect((await metrics.fetchPaused.get()).values[0]?.value).toBe(0);
  });

  it('when batches of two partitions wait for space at once › admits from each in turn and stays paused until both got theirs', async () => {
    const { handler, submitted, capacity, metrics, tracker } = setup(1);
    tracker.retain([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ]);
    const p0 = payload([0, 1, 2]).p;
    const p1 = payload([0, 1]).p;
    (p1.batch as { partition: number }).partition = 1;
    const runs = [handler(p0), handler(p1)];
    await vi.advanceTimersByTimeAsync(0);
    const order = () => submitted.map((r) => `${r.partition}:${r.message.offset}`);
    expect(order()).toEqual(['0:0']);
    for (let i = 0; i < 3; i += 1) {
      capacity.release();
      await vi.advanceTimersByTimeAsync(0);
    }
    // Partition 0's second record queued first, then partition 1's first: each gets the next slot in turn.
    expect(order()).toEqual(['0:0', '0:1', '1:0', '0:2']);
    expect((await metrics.fetchPaused.get()).values[0]?.value).toBe(1);
    capacity.release();
    await Promise.all(runs);
    expect(order()).toEqual(['0:0', '0:1', '1:0', '0:2', '1:1']);
    expect((await metrics.fetchPaused.get()).values[0]?.value).toBe(0);
  });

  it('when a rebalance surfaces through the heartbeat while waiting › rethrows it and takes no slot', async () => {
    const { handler, capacity, submitted } = setup(1);
    const rebalance = Object.assign(new Error('rebalance'), { type: 'REBALANCE_IN_PROGRESS' });
    // The first heartbeat (at the start of the batch) succeeds; the next, while waiting, finds the rebalance.
    const heartbeat = vi.fn(async () => {});
    heartbeat.mockResolvedValueOnce(undefined).mockRejectedValue(rebalance);
    const { p, resolved } = payload([0, 1], { heartbeat });
    const run = handler(p);
    const assertion = expect(run).rejects.toBe(rebalance);
    await vi.advanceTimersByTimeAsync(1_000);
    await assertion;
    expect(resolved).toEqual(['0']);
    capacity.release();
    expect(capacity.held).toBe(0);
    expect(submitted).toHaveLength(1);
  });

  it('when the service stops while waiting › returns without resolving the rest', async () => {
    const { handler, stop, submitted } = setup(1);
    const { p, resolved } = payload([0, 1, 2]);
    const run = handler(p);
    await vi.advanceTimersByTimeAsync(0);
    stop.abort();
    await run;
    expect(resolved).toEqual(['0']);
    expect(submitted).toHaveLength(1);
  });

  it('when KafkaJS refetches offsets still in process after a rebalance › does not admit them twice', async () => {
    const { handler, submitted, capacity } = setup(10);
    await handler(payload([0, 1, 2]).p);
    const again = payload([1, 2, 3]);
    await handler(again.p);
    expect(submitted.map((r) => r.message.offset)).toEqual(['0', '1', '2', '3']);
    expect(again.resolved).toEqual(['1', '2', '3']);
    expect(capacity.held).toBe(4);
  });

  it('when a rebalance surfaces while waiting › the member commits what it settled before the error goes back to KafkaJS', async () => {
    const { handler, membership } = setup(1);
    const rebalance = Object.assign(new Error('rebalance'), { type: 'REBALANCE_IN_PROGRESS' });
    const heartbeat = vi.fn(async () => {});
    heartbeat.mockResolvedValueOnce(undefined).mockRejectedValue(rebalance);
    const run = handler(payload([0, 1], { heartbeat }).p);
    const assertion = expect(run).rejects.toBe(rebalance);
    await vi.advanceTimersByTimeAsync(1_000);
    await assertion;
    expect(membership.failed).toEqual([rebalance]);
  });

  it('once a rebalance is known › every batch KafkaJS still has queued returns at once, admitting nothing (no storm)', async () => {
    const { handler, submitted, capacity } = setup(1);
    const rebalance = Object.assign(new Error('rebalance'), { type: 'REBALANCE_IN_PROGRESS' });
    const heartbeat = vi.fn(async () => {});
    heartbeat.mockResolvedValueOnce(undefined).mockRejectedValue(rebalance);
    // The buffer is full (one slot) and twenty partitions' batches are queued behind this one.
    const first = handler(payload([0, 1], { heartbeat }).p).catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await first).toBe(rebalance);
    const started = Date.now();
    for (let i = 0; i < 20; i += 1) {
      const queued = payload([2 + i], { heartbeat });
      await expect(handler(queued.p)).rejects.toBe(rebalance);
      expect(queued.resolved).toEqual([]);
    }
    expect(Date.now() - started).toBe(0);
    expect(submitted).toHaveLength(1);
    expect(capacity.held).toBe(1);
  });

  it('when the heartbeat KafkaJS sent found a rebalance after the previous batch › the next batch learns it from its first heartbeat and admits nothing', async () => {
    const { handler, submitted, membership } = setup(10);
    const rebalance = Object.assign(new Error('rebalance'), { type: 'REBALANCE_IN_PROGRESS' });
    const { p, resolved } = payload([0, 1], { heartbeat: vi.fn(async () => Promise.reject(rebalance)) });
    await expect(handler(p)).rejects.toBe(rebalance);
    expect(resolved).toEqual([]);
    expect(submitted).toEqual([]);
    expect(membership.failed).toEqual([rebalance]);
  });

  it("when a dozen partitions' batches wait for space at once › they share one listener on the stop signal, and stopping ends every wait", async () => {
    const { handler, capacity, stop, tracker } = setup(1);
    const partitions = Array.from({ length: 12 }, (_, p) => p);
    tracker.retain(partitions.map((partition) => ({ topic: 't', partition })));
    capacity.tryAcquire();
    const runs = partitions.map((partition) => {
      const { p } = payload([0, 1]);
      (p.batch as { partition: number }).partition = partition;
      return handler(p);
    });
    await vi.advanceTimersByTimeAsync(0);
    // Node warns past 10 listeners on one signal (MaxListenersExceededWarning), and a listener each is a leak's shape.
    expect(getEventListeners(stop.signal, 'abort').length).toBeLessThanOrEqual(1);
    stop.abort();
    await Promise.all(runs);
    expect(capacity.held).toBe(1);
  });

  it('when slots free before every heartbeat tick › a long batch still heartbeats on schedule and stops admitting once it hears of a rebalance', async () => {
    const { handler, submitted, capacity } = setup(1);
    const rebalance = Object.assign(new Error('rebalance'), { type: 'REBALANCE_IN_PROGRESS' });
    const heartbeat = vi.fn(async () => {});
    heartbeat.mockResolvedValueOnce(undefined).mockRejectedValue(rebalance);
    const offsets = Array.from({ length: 100 }, (_, i) => i);
    const run = handler(payload(offsets, { heartbeat }).p).catch((err: unknown) => err);
    // One send finishes every 100 ms: the batch never waits a whole heartbeat interval for a slot.
    for (let t = 0; t < 12_000; t += 100) {
      await vi.advanceTimersByTimeAsync(100);
      if (capacity.held > 0) capacity.release();
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(await run).toBe(rebalance);
    expect(submitted.length).toBeLessThanOrEqual(12);
  });

  it('when batches of several partitions admit side by side and one hears of a rebalance › the others stop at their next record', async () => {
    const { handler, submitted, capacity, tracker } = setup(1);
    tracker.retain([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ]);
    const rebalance = Object.assign(new Error('rebalance'), { type: 'REBALANCE_IN_PROGRESS' });
    const offsets = Array.from({ length: 100 }, (_, i) => i);
    // KafkaJS's heartbeat is one for the member: each batch's first call goes through, the next finds the rebalance.
    const heartbeat = vi.fn(async () => {});
    heartbeat.mockResolvedValueOnce(undefined).mockResolvedValueOnce(undefined).mockRejectedValue(rebalance);
    const p1 = payload(offsets, { heartbeat }).p;
    (p1.batch as { partition: number }).partition = 1;
    const runs = [handler(payload(offsets, { heartbeat }).p), handler(p1)].map((run) => run.catch((err: unknown) => err));
    for (let t = 0; t < 22_000; t += 100) {
      await vi.advanceTimersByTimeAsync(100);
      if (capacity.held > 0) capacity.release();
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(await Promise.all(runs)).toEqual([rebalance, rebalance]);
    expect(submitted.length).toBeLessThanOrEqual(14);
  });

  it('when a batch arrives for a partition not in the assignment › admits nothing from it', async () => {
    const { handler, submitted, capacity, tracker } = setup(10);
    tracker.retain([{ topic: 't', partition: 1 }]);
    const { p, resolved } = payload([0, 1]);
    await handler(p);
    expect(resolved).toEqual([]);
    expect(submitted).toEqual([]);
    expect(capacity.held).toBe(0);
  });

  it('when a partition is revoked while its batch waits for space › releases the slot and leaves the rest unread', async () => {
    const { handler, submitted, capacity, tracker } = setup(1);
    const { p, resolved } = payload([0, 1, 2]);
    const run = handler(p);
    await vi.advanceTimersByTimeAsync(0);
    tracker.retain([]);
    capacity.release();
    await run;
    expect(resolved).toEqual(['0']);
    expect(submitted).toHaveLength(1);
    expect(capacity.held).toBe(0);
  });

  it('when one offset never settles › stops admitting from that partition at the bound and asks to pause it', async () => {
    const { handler, submitted, full } = setup(100, { maxAhead: 5 });
    const { p, resolved } = payload([0, 1, 2, 3, 4, 5, 6, 7]);
    await handler(p);
    expect(submitted).toHaveLength(5);
    expect(resolved).toEqual(['0', '1', '2', '3', '4']);
    expect(full).toEqual([{ topic: 't', partition: 0 }]);
  });

  it('when the batch ends with a transaction marker › the watermark may pass it once its records settle', async () => {
    const { handler, submitted, tracker } = setup(10);
    const { p } = payload([0, 1], {
      batch: { topic: 't', partition: 0, highWatermark: '3', messages: payload([0, 1]).p.batch.messages, lastOffset: () => '2' } as unknown as Batch,
    });
    await handler(p);
    for (const r of submitted) tracker.settle(r.ticket);
    expect(tracker.commitCandidates()).toEqual([{ topic: 't', partition: 0, offset: 3n }]);
  });
});

describe('batch handler: where the log ends and where it restarts', () => {
  it("when a transaction is left open past the last record › a fetch's high watermark above the records is not lag", async () => {
    const { handler, submitted, tracker } = setup(10);
    // Records 0–4 committed; 5–9 belong to a transaction still open: a read_committed fetch stops at 5
    // (the last stable offset) while the high watermark says 10.
    const { p } = payload([0, 1, 2, 3, 4], {
      batch: { topic: 't', partition: 0, highWatermark: '10', messages: payload([0, 1, 2, 3, 4]).p.batch.messages, lastOffset: () => '4' } as unknown as Batch,
    });
    await handler(p);
    for (const r of submitted) tracker.settle(r.ticket);
    tracker.markCommitted('t', 0, 5n);
    expect(tracker.stats()[0]?.lag).toBe(0n);
  });

  it('when KafkaJS refetches below the committed offset of a log that still holds it (after a rejoin) › admits nothing twice and counts no rewind', async () => {
    const { handler, submitted, tracker, metrics } = setup(100);
    await handler(payload([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).p);
    for (const r of submitted) tracker.settle(r.ticket);
    tracker.markCommitted('t', 0, 10n);
    const { p, resolved } = payload([4, 5], {
      batch: { topic: 't', partition: 0, highWatermark: '10', messages: payload([4, 5]).p.batch.messages, lastOffset: () => '5' } as unknown as Batch,
    });
    await handler(p);
    expect(submitted).toHaveLength(10);
    expect(resolved).toEqual(['4', '5']);
    expect((await metrics.offsetRewinds.get()).values.reduce((sum, v) => sum + v.value, 0)).toBe(0);
  });

  it('when the log now ends below the committed offset and the fetch starts below it (topic recreated, log truncated) › admits the records from there, counts and logs it once', async () => {
    const { handler, submitted, tracker, metrics } = setup(100);
    const logs: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
    const withLogs = createBatchHandler({
      tracker,
      capacity: new Capacity(100),
      submit: (r) => submitted.push(r),
      membership: gate(),
      heartbeatEveryMs: 1000,
      maxAheadPerPartition: 10_000,
      onPartitionFull: () => {},
      onFetchPaused: () => {},
      signal: new AbortController().signal,
      metrics,
      logger,
    });
    await handler(payload([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).p);
    for (const r of submitted) tracker.settle(r.ticket);
    tracker.markCommitted('t', 0, 10n);
    const old = submitted.length;

    const { p, resolved } = payload([0, 1, 2]);
    await withLogs(p);
    expect(submitted.slice(old).map((r) => r.message.offset)).toEqual(['0', '1', '2']);
    expect(resolved).toEqual(['0', '1', '2']);
    expect((await metrics.offsetRewinds.get()).values).toMatchObject([{ labels: { topic: 't' }, value: 1 }]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ topic: 't', partition: 0, committedOffset: '10', fetchOffset: '0' });

    // The new records commit from where the log restarted, not past it.
    for (const r of submitted.slice(old)) tracker.settle(r.ticket);
    expect(tracker.commitCandidates()).toEqual([{ topic: 't', partition: 0, offset: 3n }]);
  });
});
