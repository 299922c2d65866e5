import type { Batch, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Capacity } from '../../../src/delivery/capacity.js';
import type { ConsumedRecord } from '../../../src/delivery/outcome.js';
import { createBatchHandler } from '../../../src/intake/batch-handler.js';
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
  const messages = offsets.map((o) => ({ offset: String(o), key: null, value: Buffer.from('{}'), headers: {}, timestamp: '0', attributes: 0 }) as unknown as KafkaMessage);
  const resolved: string[] = [];
  const heartbeat = vi.fn(async () => {});
  const p = {
    batch: { topic: 't', partition: 0, highWatermark: String((offsets.at(-1) ?? 0) + 1), messages } as unknown as Batch,
    resolveOffset: (o: string) => resolved.push(o),
    heartbeat,
    isRunning: () => true,
    isStale: () => false,
    ...overrides,
  } as unknown as EachBatchPayload;
  return { p, resolved, heartbeat };
}

function setup(limit: number) {
  const tracker = new OffsetTracker();
  const capacity = new Capacity(limit);
  const submitted: ConsumedRecord[] = [];
  const stop = new AbortController();
  const metrics = createMetrics({ registry: new Registry(), defaults: false });
  const handler = createBatchHandler({ tracker, capacity, submit: (r) => submitted.push(r), heartbeatEveryMs: 1000, signal: stop.signal, metrics, logger: silentLogger });
  return { tracker, capacity, submitted, stop, handler, metrics };
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

  it('when a rebalance surfaces through the heartbeat while waiting › rethrows it and takes no slot', async () => {
    const { handler, capacity, submitted } = setup(1);
    const rebalance = Object.assign(new Error('rebalance'), { type: 'REBALANCE_IN_PROGRESS' });
    const { p, resolved } = payload([0, 1], { heartbeat: vi.fn(async () => { throw rebalance; }) });
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
});
