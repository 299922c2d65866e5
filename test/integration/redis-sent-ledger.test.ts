import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';

import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { createRedisSentLedger, type RedisSentLedgerOptions } from '../../src/ledger/redis-ledger.js';
import { REDIS_LEDGER_CLIENT_OPTIONS } from '../../src/ledger/redis-scripts.js';
import { LedgerUnavailableError, type SentLedger } from '../../src/ledger/sent-ledger.js';
import { createMetrics, type Metrics } from '../../src/platform/metrics.js';
import { buildDispatcher, record, scriptedMailer, signupValue } from '../support/pipeline.js';
import { type RedisServer, redisServerMissing, startRedisServer } from '../support/redis.js';

const missing = redisServerMissing();
if (missing) console.warn(`[redis-sent-ledger] skipped: ${missing}`);

interface TestLedger {
  readonly ledger: SentLedger;
  readonly redis: Redis;
  readonly metrics: Metrics;
  readonly logs: string[];
}

let server: RedisServer;
let inspect: Redis;
let prefix = 'test-0:';
let sequence = 0;
const opened: SentLedger[] = [];
const RENEW_MS = 300;

/**
 * Renewal runs on `setInterval`, faked in every test: a renewal happens only when the test advances
 * the clock, so a holder the test never advances is one that died mid-send. Redis itself (its
 * expiries, ioredis' timeouts) runs on real time.
 */
async function renewNow(): Promise<void> {
  await vi.advanceTimersByTimeAsync(RENEW_MS);
}

async function openLedger(overrides: Partial<RedisSentLedgerOptions> = {}, { waitReady = true } = {}): Promise<TestLedger> {
  const redis = new Redis(server.url, REDIS_LEDGER_CLIENT_OPTIONS);
  if (waitReady) await once(redis, 'ready');
  const metrics = createMetrics({ registry: new Registry(), defaults: false });
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const ledger = createRedisSentLedger({
    redis,
    ttlSeconds: 60,
    leaseMs: 5_000,
    leaseRenewMs: RENEW_MS,
    strict: false,
    metrics,
    logger,
    keyPrefix: prefix,
    ...overrides,
  });
  opened.push(ledger);
  return { ledger, redis, metrics, logs };
}

async function counter(metric: { get(): Promise<{ values: Array<{ value: number; labels: object }> }> }, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}

describe.skipIf(missing !== undefined)(`Redis sent ledger on a real redis-server${missing ? ` (SKIPPED: ${missing})` : ''}`, () => {
  beforeAll(async () => {
    server = await startRedisServer();
    inspect = new Redis(server.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    inspect?.disconnect();
    await server?.stop();
  });

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });

  afterEach(async () => {
    vi.useRealTimers();
    server.thaw();
    await Promise.all(opened.splice(0).map((ledger) => ledger.close()));
    prefix = `test-${(sequence += 1)}:`;
  });

  describe('claims', () => {
    it('when an event was never seen › the claim succeeds and holds a lease of IDEMPOTENCY_LEASE_MS', async () => {
      const { ledger } = await openLedger({ leaseMs: 5_000 });
      expect(await ledger.claim('e-1')).toBe('claimed');
      expect(await inspect.get(`${prefix}e-1`)).toMatch(/^claim:[0-9a-f-]{36}$/);
      const pttl = await inspect.pttl(`${prefix}e-1`);
      expect(pttl).toBeGreaterThan(4_000);
      expect(pttl).toBeLessThanOrEqual(5_000);
    });

    it('when another instance holds the claim › the second claim is told busy', async () => {
      const a = await openLedger();
      const b = await openLedger();
      expect(await a.ledger.claim('e-1')).toBe('claimed');
      expect(await b.ledger.claim('e-1')).toBe('busy');
    });

    it('when two instances claim the same events at the same moment › exactly one wins each event', async () => {
      const a = await openLedger();
      const b = await openLedger();
      const ids = Array.from({ length: 50 }, (_, i) => `race-${i}`);
      const results = await Promise.all(ids.map((id) => Promise.all([a.ledger.claim(id), b.ledger.claim(id)])));
      for (const pair of results) expect([...pair].sort()).toEqual(['busy', 'claimed']);
    });

    it('when the event was marked sent › a later claim says already-sent and the record lives IDEMPOTENCY_TTL_SECONDS', async () => {
      const a = await openLedger({ ttlSeconds: 3_600 });
      const b = await openLedger();
      await a.ledger.claim('e-1');
      await a.ledger.markSent('e-1');
      expect(await inspect.get(`${prefix}e-1`)).toBe('sent');
      const ttl = await inspect.ttl(`${prefix}e-1`);
      expect(ttl).toBeGreaterThan(3_590);
      expect(ttl).toBeLessThanOrEqual(3_600);
      expect(await b.ledger.claim('e-1')).toMatchObject({ kind: 'already-sent' });
      expect(await a.ledger.claim('e-1')).toMatchObject({ kind: 'already-sent' });
    });

    it("when the event was marked sent › a later claim carries the original send's Message-ID and relay", async () => {
      const a = await openLedger();
      const b = await openLedger();
      await a.ledger.claim('e-1');
      await a.ledger.markSent('e-1', { messageId: '<e-1@before-the-rename.test>', relay: 'fallback' });
      // The key itself still says `sent`: a previous release reading it during a rollout or a rollback sees a duplicate.
      expect(await inspect.get(`${prefix}e-1`)).toBe('sent');
      expect(await b.ledger.claim('e-1')).toEqual({ kind: 'already-sent', messageId: '<e-1@before-the-rename.test>', relay: 'fallback' });
    });

    it('when the sent record was written by a previous release (no details) › already-sent without Message-ID or relay', async () => {
      const { ledger } = await openLedger();
      await inspect.set(`${prefix}e-1`, 'sent', 'EX', 60);
      expect(await ledger.claim('e-1')).toEqual({ kind: 'already-sent', messageId: undefined, relay: undefined });
    });

    it('when the sent record has expired › the event can be claimed again', async () => {
      const { ledger } = await openLedger({ ttlSeconds: 1 });
      await ledger.claim('e-1');
      await ledger.markSent('e-1');
      await delay(1_100);
      expect(await ledger.claim('e-1')).toBe('claimed');
    });

    it('when the holder crashed mid-send › its lease expires and another instance may claim', async () => {
      const crashed = await openLedger({ leaseMs: 200 });
      const next = await openLedger();
      expect(await crashed.ledger.claim('e-1')).toBe('claimed');
      expect(await next.ledger.claim('e-1')).toBe('busy');
      await delay(300);
      expect(await next.ledger.claim('e-1')).toBe('claimed');
    });

    it('keeps events of different key prefixes apart', async () => {
      const a = await openLedger({ keyPrefix: `${prefix}a:` });
      const b = await openLedger({ keyPrefix: `${prefix}b:` });
      expect(await a.ledger.claim('e-1')).toBe('claimed');
      expect(await b.ledger.claim('e-1')).toBe('claimed');
    });
  });

  describe('release', () => {
    it('when a send failed › the holder releases and a retry elsewhere can claim', async () => {
      const a = await openLedger();
      const b = await openLedger();
      await a.ledger.claim('e-1');
      await a.ledger.release('e-1');
      expect(await inspect.exists(`${prefix}e-1`)).toBe(0);
      expect(await b.ledger.claim('e-1')).toBe('claimed');
    });

    it('when the lease expired and another instance claimed › the stale release leaves the new claim alone', async () => {
      const stale = await openLedger({ leaseMs: 200 });
      const fresh = await openLedger();
      await stale.ledger.claim('e-1');
      await delay(300);
      expect(await fresh.ledger.claim('e-1')).toBe('claimed');
      const claimOfFresh = await inspect.get(`${prefix}e-1`);
      await stale.ledger.release('e-1');
      expect(await inspect.get(`${prefix}e-1`)).toBe(claimOfFresh);
      expect(await stale.ledger.claim('e-1')).toBe('busy');
    });

    it('when the event is already recorded as sent › a release without a claim of ours deletes nothing', async () => {
      const a = await openLedger();
      const b = await openLedger();
      await a.ledger.claim('e-1');
      await a.ledger.markSent('e-1');
      await b.ledger.release('e-1');
      expect(await inspect.get(`${prefix}e-1`)).toBe('sent');
    });

    it('when a claim was released › releasing it again is a no-op', async () => {
      const a = await openLedger();
      const b = await openLedger();
      await a.ledger.claim('e-1');
      await a.ledger.release('e-1');
      await b.ledger.claim('e-1');
      await a.ledger.release('e-1');
      expect(await a.ledger.claim('e-1')).toBe('busy');
    });
  });

  describe('markSent after the lease was lost', () => {
    it('when another instance claimed meanwhile › the send is recorded, counted as lease lost, and survives the other release', async () => {
      const stale = await openLedger({ leaseMs: 200 });
      const other = await openLedger();
      await stale.ledger.claim('e-1');
      await delay(300);
      expect(await other.ledger.claim('e-1')).toBe('claimed');
      await stale.ledger.markSent('e-1');
      expect(await inspect.get(`${prefix}e-1`)).toBe('sent');
      expect(await counter(stale.metrics.ledgerLeaseLost, { found: 'other-claim' })).toBe(1);
      expect(stale.logs.join('')).toContain('IDEMPOTENCY_LEASE_MS may be too short');
      // The other instance's send failed: its compare-and-delete must not erase the record.
      await other.ledger.release('e-1');
      expect(await other.ledger.claim('e-1')).toMatchObject({ kind: 'already-sent' });
    });

    it('when the key expired and nobody claimed › the send is recorded and counted as lease lost (absent)', async () => {
      const stale = await openLedger({ leaseMs: 200 });
      await stale.ledger.claim('e-1');
      await delay(300);
      await stale.ledger.markSent('e-1');
      expect(await inspect.get(`${prefix}e-1`)).toBe('sent');
      expect(await counter(stale.metrics.ledgerLeaseLost, { found: 'absent' })).toBe(1);
    });

    it('when another instance already sent it too › the record stays sent and the double send is counted', async () => {
      const stale = await openLedger({ leaseMs: 200 });
      const other = await openLedger();
      await stale.ledger.claim('e-1');
      await delay(300);
      await other.ledger.claim('e-1');
      await other.ledger.markSent('e-1');
      await stale.ledger.markSent('e-1');
      expect(await inspect.get(`${prefix}e-1`)).toBe('sent');
      expect(await counter(stale.metrics.ledgerLeaseLost, { found: 'sent' })).toBe(1);
      expect(await counter(other.metrics.ledgerLeaseLost)).toBe(0);
    });

    it('when the owner marks sent in time › nothing is counted as lost', async () => {
      const { ledger, metrics } = await openLedger();
      await ledger.claim('e-1');
      await ledger.markSent('e-1');
      expect(await counter(metrics.ledgerLeaseLost)).toBe(0);
    });
  });

  describe('lease renewal while the send is in flight', () => {
    it('renews the claim every IDEMPOTENCY_LEASE_RENEW_MS, so a send may outlast the lease', async () => {
      const a = await openLedger({ leaseMs: 1_000 });
      const b = await openLedger();
      expect(await a.ledger.claim('e-1')).toBe('claimed');
      for (let i = 0; i < 4; i += 1) {
        await delay(400);
        await renewNow();
        await expect.poll(() => inspect.pttl(`${prefix}e-1`), { timeout: 900, interval: 20 }).toBeGreaterThan(900);
      }
      // 1.6 s after the claim, with a 1 s lease: still ours.
      expect(await b.ledger.claim('e-1')).toBe('busy');
    });

    it('renews all the claims in flight with one Redis call per round', async () => {
      const { ledger, redis } = await openLedger({ leaseMs: 1_000 });
      await Promise.all(['e-1', 'e-2', 'e-3'].map((id) => ledger.claim(id)));
      const calls = vi.spyOn(redis, 'evalsha');
      await delay(400);
      await renewNow();
      await expect.poll(() => inspect.pttl(`${prefix}e-3`), { timeout: 900, interval: 20 }).toBeGreaterThan(900);
      expect(calls).toHaveBeenCalledTimes(1);
      for (const id of ['e-1', 'e-2']) expect(await inspect.pttl(`${prefix}${id}`)).toBeGreaterThan(800);
    });

    it('when the send ends (recorded or released) › its claim is renewed no more, and nothing is renewed while no send is in flight', async () => {
      const { ledger, redis } = await openLedger({ leaseMs: 1_000 });
      await ledger.claim('e-1');
      await ledger.claim('e-2');
      await ledger.markSent('e-1');
      await ledger.release('e-2');
      const calls = vi.spyOn(redis, 'evalsha');
      await renewNow();
      await renewNow();
      await delay(50);
      expect(calls).not.toHaveBeenCalled();
      expect(await inspect.get(`${prefix}e-1`)).toBe('sent');
      expect(await inspect.ttl(`${prefix}e-1`)).toBeGreaterThan(50);
    });

    it('when the holder dies mid-send (no more renewals) › its claim is free one lease later, not after the send timeout', async () => {
      const dead = await openLedger({ leaseMs: 1_000 });
      const next = await openLedger();
      await dead.ledger.claim('e-1');
      await renewNow();
      // SIGKILL: the interval dies with the process.
      await dead.ledger.close();
      await renewNow();
      expect(await next.ledger.claim('e-1')).toBe('busy');
      await expect.poll(() => next.ledger.claim('e-1'), { timeout: 2_000, interval: 100 }).toBe('claimed');
    });

    it('when Redis hangs during a renewal › counted as a ledger error and logged once, the round bounded by the command timeout', async () => {
      const { ledger, metrics, logs } = await openLedger({ leaseMs: 5_000 });
      await ledger.claim('e-1');
      server.freeze();
      await renewNow();
      // A round still waiting for its reply is not overlapped by the next one.
      await renewNow();
      await expect.poll(() => counter(metrics.ledgerErrors), { timeout: REDIS_LEDGER_CLIENT_OPTIONS.commandTimeout + 1_000, interval: 50 }).toBe(1);
      await renewNow();
      await expect.poll(() => counter(metrics.ledgerErrors), { timeout: REDIS_LEDGER_CLIENT_OPTIONS.commandTimeout + 1_000, interval: 50 }).toBe(2);
      expect(logs.filter((line) => line.includes('sent ledger unavailable'))).toHaveLength(1);
      expect(logs.join('')).toContain('"operation":"renew"');
      server.thaw();
      await renewNow();
      await expect.poll(() => inspect.pttl(`${prefix}e-1`), { timeout: 1_500, interval: 20 }).toBeGreaterThan(4_500);
    });

    it('when the lease was lost mid-send › counted as lease lost once, and this process does not claim the event again until its send ends', async () => {
      const slow = await openLedger({ leaseMs: 200 });
      await slow.ledger.claim('e-1');
      // Its renewals were late (a stalled event loop, a Redis outage): the lease lapsed.
      await delay(300);
      await renewNow();
      await expect.poll(() => counter(slow.metrics.ledgerLeaseLost, { found: 'absent' }), { timeout: 1_000, interval: 20 }).toBe(1);
      expect(slow.logs.join('')).toContain('sent ledger claim was lost');
      // A redelivery of the same event (a rebalance gave the partition back) must not start a second send here.
      expect(await slow.ledger.claim('e-1')).toBe('busy');
      await slow.ledger.markSent('e-1');
      expect(await counter(slow.metrics.ledgerLeaseLost)).toBe(1);
      expect(await slow.ledger.claim('e-1')).toMatchObject({ kind: 'already-sent' });
    });

    it('when Redis was away at the claim (sending without the check) › the claim still keeps this process from a second send of the event until it ends', async () => {
      const { ledger } = await openLedger();
      await server.stop();
      try {
        expect(await ledger.claim('e-1')).toBe('claimed');
        expect(await ledger.claim('e-1')).toBe('busy');
        await ledger.release('e-1');
        expect(await ledger.claim('e-1')).toBe('claimed');
      } finally {
        await server.restart();
      }
    });
  });

  describe('two dispatchers during a rebalance overlap', () => {
    it('when both get the same event › one sends it and the other settles it as a duplicate', async () => {
      const a = await openLedger();
      const b = await openLedger();
      const mailer = scriptedMailer(() => delay(300));
      const first = buildDispatcher({ mailer, ledger: a.ledger, delaysMs: [100] });
      const second = buildDispatcher({ mailer, ledger: b.ledger, delaysMs: [100] });
      first.submit(record(signupValue('overlap-1'), { partition: 0, offset: 7 }));
      second.submit(record(signupValue('overlap-1'), { partition: 0, offset: 7 }));
      await first.capacity.whenEmpty(AbortSignal.timeout(5_000));
      await second.capacity.whenEmpty(AbortSignal.timeout(5_000));
      expect(mailer.attempts).toHaveLength(1);
      const kinds = [...first.outcomes, ...second.outcomes].map((o) => o.outcome.kind).sort();
      expect(kinds).toEqual(['duplicate', 'sent']);
      first.dispatcher.close();
      second.dispatcher.close();
    });
  });

  describe('when Redis is unreachable', () => {
    it('claim keeps sending (claimed), counts the error and logs one line without the Redis URL', async () => {
      const { ledger, metrics, logs } = await openLedger();
      await server.stop();
      try {
        expect(await ledger.claim('e-1')).toBe('claimed');
        expect(await ledger.claim('e-2')).toBe('claimed');
        expect(await counter(metrics.ledgerErrors)).toBe(2);
        const warnings = logs.filter((line) => line.includes('sent ledger unavailable'));
        expect(warnings).toHaveLength(1);
        expect(logs.join('')).not.toContain(server.url);
        await expect(ledger.markSent('e-1')).rejects.toBeInstanceOf(LedgerUnavailableError);
      } finally {
        await server.restart();
      }
    });

    it('in strict mode claim throws LedgerUnavailableError so the dispatcher holds the message', async () => {
      const { ledger, metrics } = await openLedger({ strict: true });
      await server.stop();
      try {
        const claim = ledger.claim('e-1');
        await expect(claim).rejects.toBeInstanceOf(LedgerUnavailableError);
        await expect(claim).rejects.toMatchObject({ code: 'ERR_LEDGER_UNAVAILABLE' });
        expect(await counter(metrics.ledgerErrors)).toBe(1);
      } finally {
        await server.restart();
      }
    });

    it('a release that cannot reach Redis resolves and is counted', async () => {
      const { ledger, metrics } = await openLedger();
      await ledger.claim('e-1');
      await server.stop();
      try {
        await expect(ledger.release('e-1')).resolves.toBeUndefined();
        expect(await counter(metrics.ledgerErrors)).toBe(1);
      } finally {
        await server.restart();
      }
    });

    it('when Redis hangs › claim gives up within the command timeout instead of blocking the send', async () => {
      const { ledger, metrics } = await openLedger();
      server.freeze();
      const started = Date.now();
      expect(await ledger.claim('e-1')).toBe('claimed');
      expect(Date.now() - started).toBeLessThan(REDIS_LEDGER_CLIENT_OPTIONS.commandTimeout + 1_000);
      expect(await counter(metrics.ledgerErrors)).toBe(1);
    });

    it('when Redis comes back › claims use it again', async () => {
      const { ledger } = await openLedger();
      await server.stop();
      expect(await ledger.claim('e-1')).toBe('claimed');
      await server.restart();
      // The client reconnects on its own (at most every 2 s); until then claims fail open.
      const deadline = Date.now() + 10_000;
      let stored: string | null = null;
      while (stored === null && Date.now() < deadline) {
        await ledger.claim('e-2');
        stored = await inspect.get(`${prefix}e-2`).catch(() => null);
        if (stored !== null) break;
        // As the dispatcher does after an attempt: the claim made without Redis ends with its send.
        await ledger.release('e-2');
        await delay(200);
      }
      expect(stored).toMatch(/^claim:/);
      expect(await ledger.claim('e-2')).toBe('busy');
    });
  });

  describe('close', () => {
    it('is idempotent and quits the client', async () => {
      const { ledger } = await openLedger();
      await Promise.all([ledger.close(), ledger.close()]);
      await ledger.close();
    });

    it('when Redis is down › still resolves', async () => {
      const { ledger } = await openLedger();
      await server.stop();
      try {
        await ledger.close();
      } finally {
        await server.restart();
      }
    });
  });
});
