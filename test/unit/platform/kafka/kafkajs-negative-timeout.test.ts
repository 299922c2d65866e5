import { createRequire } from 'node:module';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { fixKafkaJsNegativeTimeout } from '../../../../src/platform/kafka/kafkajs-negative-timeout.js';

const require = createRequire(import.meta.url);
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as new (options: object) => {
  throttledUntil: number;
  pending: unknown[];
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  scheduleCheckPendingRequests(): void;
  checkPendingRequests(): void;
};

function queue() {
  const q = new RequestQueue({
    instrumentationEmitter: null,
    maxInFlightRequests: null,
    requestTimeout: 30_000,
    enforceRequestTimeout: true,
    clientId: 'c',
    broker: 'b',
    logger: { namespace: () => ({ debug() {}, warn() {}, error() {}, info() {} }) },
    isConnected: () => true,
  });
  q.checkPendingRequests = vi.fn();
  return q;
}

describe('fixKafkaJsNegativeTimeout', () => {
  afterEach(() => vi.restoreAllMocks());

  it('patches KafkaJS 2.2.4 once: a fresh request queue schedules its check with a delay >= 1 ms, not minus the epoch', () => {
    expect(['patched', 'already']).toContain(fixKafkaJsNegativeTimeout());
    expect(fixKafkaJsNegativeTimeout()).toBe('already');
    const delays: number[] = [];
    const real = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return real(fn, 0);
    }) as typeof setTimeout);
    const q = queue();
    q.scheduleCheckPendingRequests();
    expect(delays).toEqual([1]);
  });

  it('keeps KafkaJS semantics: pending requests are checked after 10 ms, a throttle is waited out', () => {
    fixKafkaJsNegativeTimeout();
    const delays: number[] = [];
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((_fn: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return 0 as unknown as NodeJS.Timeout;
    }) as typeof setTimeout);
    const pending = queue();
    pending.pending.push({});
    pending.scheduleCheckPendingRequests();
    const throttled = queue();
    throttled.throttledUntil = Date.now() + 500;
    throttled.scheduleCheckPendingRequests();
    expect(delays[0]).toBe(10);
    expect(delays[1]).toBeGreaterThan(400);
    expect(delays[1]).toBeLessThanOrEqual(500);
  });
});
