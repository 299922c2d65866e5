import { setMaxListeners } from 'node:events';

import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { clusterSendRate, type SharedBudget } from '../../../../src/delivery/rate/send-rate.js';
import { createMetrics } from '../../../../src/platform/metrics.js';
import { silentLogger } from '../../../support/pipeline.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const unreachable: SharedBudget = { take: () => Promise.reject(new Error('Redis is not ready')) };
const answersAfter = (ms: number): SharedBudget => ({ take: () => new Promise((resolve) => setTimeout(() => resolve(0), ms)) });

function rate(budget: SharedBudget, perSecond: number, maxReplicas: number) {
  const metrics = createMetrics({ registry: new Registry(), defaults: false });
  return { metrics, rate: clusterSendRate({ budget, perSecond, maxReplicas, metrics, logger: silentLogger }) };
}

const gauge = async (m: ReturnType<typeof createMetrics>) => (await m.rateLimitFallback.get()).values[0]?.value;
const fallbacks = async (m: ReturnType<typeof createMetrics>, reason: string) =>
  (await m.rateLimitFallbacks.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

/** Starts `takers` loops taking from `limiter` until `signal` aborts; records when each take was granted. */
function takeUntil(limiter: { take(signal: AbortSignal): Promise<void> }, signal: AbortSignal, takers = 3): number[] {
  // The takers of a test share one stop signal (in the service each waits on its own job's signal).
  setMaxListeners(100, signal);
  const at: number[] = [];
  for (let i = 0; i < takers; i += 1)
    void (async () => {
      for (;;) {
        try {
          await limiter.take(signal);
        } catch {
          return;
        }
        at.push(Date.now());
      }
    })();
  return at;
}

describe('clusterSendRate', () => {
  it('when the budget answers at once › the send starts at once on the shared budget, no fallback', async () => {
    const { rate: limiter, metrics } = rate({ take: async () => 0 }, 20, 4);
    const t0 = Date.now();
    await limiter.take(new AbortController().signal);
    expect(Date.now() - t0).toBe(0);
    expect(limiter.state?.()).toEqual({ budget: 'shared', sharePerSecond: 5 });
    expect(await gauge(metrics)).toBe(0);
  });

  it('when the budget is spent for this second › waits the time it names and asks again, without the share', async () => {
    const answers = [300, 0];
    const { rate: limiter, metrics } = rate({ take: async () => answers.shift() ?? 0 }, 20, 4);
    const t0 = Date.now();
    const taken = limiter.take(new AbortController().signal);
    await vi.advanceTimersByTimeAsync(300);
    await taken;
    expect(Date.now() - t0).toBe(300);
    expect(await fallbacks(metrics, 'slow')).toBe(0);
  });

  it('when Redis takes a second to answer › the send starts at 100 ms on the pod’s share, counted as a slow fallback and shown in the state', async () => {
    const { rate: limiter, metrics } = rate(answersAfter(1_000), 20, 4);
    const t0 = Date.now();
    let grantedAt: number | undefined;
    void limiter.take(new AbortController().signal).then(() => (grantedAt = Date.now()));
    await vi.advanceTimersByTimeAsync(99);
    expect(grantedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(grantedAt).toBe(t0 + 100);
    expect(await fallbacks(metrics, 'slow')).toBe(1);
    expect(await gauge(metrics)).toBe(1);
    expect(limiter.state?.()).toEqual({ budget: 'pod-share', reason: 'slow', sharePerSecond: 5 });
  });

  it('a share of 2/s over 5 replicas › each pod sends once every 2.5 s, and the five together never more than 2/s over 10 s', async () => {
    const pods = Array.from({ length: 5 }, () => rate(unreachable, 2, 5));
    const stop = new AbortController();
    const grants = pods.map(({ rate: limiter }) => takeUntil(limiter, stop.signal));
    const t0 = Date.now();
    await vi.advanceTimersByTimeAsync(9_999);
    stop.abort();
    for (const at of grants) expect(at.map((t) => t - t0)).toEqual([0, 2_500, 5_000, 7_500]);
    expect(grants.flat()).toHaveLength(20);
    expect(await fallbacks(pods[0]!.metrics, 'unreachable')).toBe(4);
  });

  it('a share of 20/s over 3 replicas › evenly paced, 6.67 a second, never two in the same 150 ms', async () => {
    const { rate: limiter } = rate(unreachable, 20, 3);
    const stop = new AbortController();
    const at = takeUntil(limiter, stop.signal, 10);
    await vi.advanceTimersByTimeAsync(2_999);
    stop.abort();
    expect(at).toHaveLength(20);
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(150);
  });

  it('while on the share › every send still asks the budget first, and the first answer in time returns to it', async () => {
    let down = true;
    const asked: number[] = [];
    const { rate: limiter, metrics } = rate(
      { take: () => (asked.push(Date.now()), down ? Promise.reject(new Error('down')) : answersAfter(10).take()) },
      20,
      4,
    );
    const stop = new AbortController();
    takeUntil(limiter, stop.signal);
    await vi.advanceTimersByTimeAsync(2_999);
    // 5/s on the share for 3 s: 15 sends, each asked the budget first (and three takes wait for their turn).
    expect(await fallbacks(metrics, 'unreachable')).toBe(15);
    expect(asked).toHaveLength(15 + 3);
    expect(await gauge(metrics)).toBe(1);
    down = false;
    await vi.advanceTimersByTimeAsync(300);
    expect(await gauge(metrics)).toBe(0);
    expect(limiter.state?.()).toMatchObject({ budget: 'shared' });
    // Takes already waiting for a turn on the share get it; every take after them uses the shared budget.
    await vi.advanceTimersByTimeAsync(1_000);
    const onShare = await fallbacks(metrics, 'unreachable');
    await vi.advanceTimersByTimeAsync(1_000);
    stop.abort();
    expect(await fallbacks(metrics, 'unreachable')).toBe(onShare);
  });

  it('a take abandoned while it waits for its turn on the share › takes no turn and counts nothing; the next waiter gets it', async () => {
    const { rate: limiter, metrics } = rate(unreachable, 1, 2);
    const first = new AbortController();
    await limiter.take(first.signal);
    const abandoned = new AbortController();
    const gone = limiter.take(abandoned.signal).then(
      () => 'granted',
      () => 'aborted',
    );
    let nextAt: number | undefined;
    const t0 = Date.now();
    void limiter.take(new AbortController().signal).then(() => (nextAt = Date.now() - t0));
    await vi.advanceTimersByTimeAsync(1_000);
    abandoned.abort();
    expect(await gone).toBe('aborted');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(nextAt).toBe(2_000);
    expect(await fallbacks(metrics, 'unreachable')).toBe(2);
  });
});
