import { describe, expect, it } from 'vitest';
import { Ledger } from '../../../src/loadtest/ledger.js';
import { median, percentile } from '../../../src/loadtest/percentile.js';
import { eventIdFromMessageId, signupFixture } from '../../../src/loadtest/signup-fixture.js';
import { parseEvent } from '../../../src/intake/parse-event.js';

describe('Ledger', () => {
  it('counts an event delivered or dead-lettered as settled, anything else as lost', () => {
    const ledger = new Ledger();
    for (const id of ['a', 'b', 'c', 'd']) ledger.produced(id, 1000);
    ledger.delivered('a', 1100);
    ledger.deadLettered('b');
    ledger.delivered('c', 1300);
    ledger.delivered('c', 1400);
    expect(ledger.settled).toBe(3);
    expect(ledger.reconcile()).toMatchObject({ produced: 4, delivered: 2, deadLettered: 1, lost: 1, duplicates: 1, unknown: 0 });
  });

  it('measures latency from produce to the first delivery', () => {
    const ledger = new Ledger();
    ledger.produced('a', 0);
    ledger.produced('b', 0);
    ledger.delivered('a', 100);
    ledger.delivered('b', 300);
    ledger.delivered('b', 900);
    expect(ledger.reconcile().latencyMs).toEqual({ p50: 100, p95: 300, p99: 300 });
  });

  it('does not count an event both delivered and dead-lettered twice, and flags strangers', () => {
    const ledger = new Ledger();
    ledger.produced('a', 0);
    ledger.deadLettered('a');
    ledger.delivered('a', 5);
    ledger.delivered('stranger', 5);
    expect(ledger.settled).toBe(1);
    expect(ledger.reconcile()).toMatchObject({ delivered: 1, deadLettered: 0, lost: 0, unknown: 1 });
  });
});

describe('percentile and median', () => {
  it('use nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([], 50)).toBeUndefined();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});

describe('signupFixture', () => {
  it('is a valid sign-up event of the requested size whose Message-ID maps back to its eventId', () => {
    const { eventId, value } = signupFixture('run', 7, { bytes: 1_500 });
    expect(Buffer.byteLength(value)).toBeGreaterThanOrEqual(1_400);
    expect(Buffer.byteLength(value)).toBeLessThanOrEqual(1_600);
    const parsed = parseEvent(Buffer.from(value));
    expect(parsed.ok).toBe(true);
    expect(eventIdFromMessageId(`<${eventId}@load.test>`)).toBe(eventId);
  });
});
