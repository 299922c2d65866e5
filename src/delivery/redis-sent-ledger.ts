import { randomUUID } from 'node:crypto';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { CLAIM, MARK_SENT, RELEASE, runScript, type LedgerRedis, type Script } from './redis-ledger-scripts.js';
import { LedgerUnavailableError, type ClaimResult, type SentLedger } from './sent-ledger.js';

export { REDIS_LEDGER_CLIENT_OPTIONS, type LedgerRedis } from './redis-ledger-scripts.js';

export interface RedisSentLedgerOptions {
  /** Owned by the ledger from now on: `close()` quits it. Build it with `REDIS_LEDGER_CLIENT_OPTIONS`. */
  readonly redis: LedgerRedis;
  /** How long a sent eventId is remembered (IDEMPOTENCY_TTL_SECONDS). */
  readonly ttlSeconds: number;
  /** How long a claim lives if its holder never releases it (IDEMPOTENCY_LEASE_MS); must outlive a send. */
  readonly leaseMs: number;
  /** Redis unreachable: false → send anyway (at-least-once); true → throw `LedgerUnavailableError` (hold). */
  readonly strict: boolean;
  readonly metrics: Pick<Metrics, 'ledgerErrors' | 'ledgerLeaseLost'>;
  readonly logger: Logger;
  /** @default 'email-dispatcher:sent:' */
  readonly keyPrefix?: string;
  /** Minimum time between two unavailability log lines; the ones in between are counted. @default 10_000 */
  readonly logIntervalMs?: number;
}

interface Held {
  readonly value: string;
  readonly expiresAt: number;
}

/**
 * The sent ledger on Redis. One key per eventId: `claim:<token>` with a lease (PX) while a send is
 * in progress, `sent` with a TTL afterwards.
 *
 * Races, each covered by test/integration/redis-sent-ledger.test.ts:
 * - two instances claim at once (rebalance overlap): the claim is one Lua script, one wins, the
 *   other gets 'busy' and retries later;
 * - a holder crashes mid-send: its lease expires and the next claim succeeds (the email may have
 *   gone out: at-least-once, never lost);
 * - a stale holder (lease expired, another instance claimed) releases: compare-and-delete leaves
 *   the new claim alone;
 * - a stale holder marks sent: it did send, so 'sent' overwrites the other claim; that claim's
 *   release then finds 'sent' and keeps it, and `ledgerLeaseLost{found}` shows the short lease;
 * - a release whose Redis call failed leaves the claim until its lease ends ('busy' meanwhile).
 *
 * Unavailable Redis (error or `commandTimeout`): `claim` counts `ledgerErrors`, logs, and returns
 * 'claimed' (send without the check) or, when strict, throws `LedgerUnavailableError` (the
 * dispatcher holds the message). `markSent` throws `LedgerUnavailableError` (the dispatcher counts
 * it; the mail is sent either way); `release` counts and resolves.
 */
export function createRedisSentLedger({
  redis,
  ttlSeconds,
  leaseMs,
  strict,
  metrics,
  logger,
  keyPrefix = 'email-dispatcher:sent:',
  logIntervalMs = 10_000,
}: RedisSentLedgerOptions): SentLedger {
  // Our live claims by eventId. One process holds at most one claim per eventId, since a second
  // claim gets 'busy' until the first is released or its lease (longer than a send) has expired.
  const held = new Map<string, Held>();
  let closing: Promise<void> | undefined;
  let lastLog = -Infinity;
  let suppressed = 0;
  let failing = false;

  const key = (eventId: string) => `${keyPrefix}${eventId}`;

  const run = (lua: Script, eventId: string, args: Array<string | number>) => runScript(redis, lua, key(eventId), args);

  /** One line per `logIntervalMs` at most: a Redis outage must not flood the log. */
  function reportUnavailable(operation: string, err: unknown): void {
    metrics.ledgerErrors.inc();
    failing = true;
    const now = Date.now();
    if (now - lastLog < logIntervalMs) {
      suppressed += 1;
      return;
    }
    lastLog = now;
    const { message, code } = describe(err);
    logger.warn(
      { operation, error: message, code, strict, suppressed },
      strict ? 'sent ledger unavailable; holding messages until Redis answers' : 'sent ledger unavailable; sending without the duplicate check',
    );
    suppressed = 0;
  }

  function forgetExpired(now: number): void {
    for (const [eventId, claim] of held) if (claim.expiresAt <= now) held.delete(eventId);
  }

  // Without a listener ioredis prints every connection error to stderr itself.
  redis.on('error', (err: unknown) => {
    failing = true;
    const now = Date.now();
    if (now - lastLog < logIntervalMs) return;
    lastLog = now;
    const { message, code } = describe(err);
    logger.warn({ error: message, code }, 'sent ledger Redis connection error; reconnecting');
  });
  redis.on('ready', () => {
    if (!failing) return;
    failing = false;
    logger.info('sent ledger Redis reachable again');
  });

  return {
    async claim(eventId: string): Promise<ClaimResult> {
      const value = `claim:${randomUUID()}`;
      const now = Date.now();
      if (held.size > 10_000) forgetExpired(now);
      let result: unknown;
      try {
        result = await run(CLAIM, eventId, [value, leaseMs]);
      } catch (err) {
        reportUnavailable('claim', err);
        if (strict) throw new LedgerUnavailableError({ cause: err });
        return 'claimed';
      }
      if (result === 'claimed') held.set(eventId, { value, expiresAt: now + leaseMs });
      if (result === 'claimed' || result === 'busy' || result === 'already-sent') return result;
      throw new Error(`sent ledger: unexpected claim reply ${String(result)}`);
    },

    async markSent(eventId: string): Promise<void> {
      const claim = held.get(eventId);
      let found: unknown;
      try {
        found = await run(MARK_SENT, eventId, [claim?.value ?? '', ttlSeconds]);
      } catch (err) {
        throw new LedgerUnavailableError({ cause: err });
      } finally {
        if (held.get(eventId) === claim) held.delete(eventId);
      }
      // Without a claim of ours (claimed while Redis was down) there was no lease to lose.
      if (claim !== undefined && found !== 'owned') {
        metrics.ledgerLeaseLost.inc({ found: String(found) });
        logger.warn({ eventId, found, leaseMs }, 'sent ledger claim had expired before the send was recorded; IDEMPOTENCY_LEASE_MS may be too short');
      }
    },

    async release(eventId: string): Promise<void> {
      const claim = held.get(eventId);
      if (claim === undefined) return;
      held.delete(eventId);
      try {
        await run(RELEASE, eventId, [claim.value]);
      } catch (err) {
        // The claim stays until its lease ends: a retry meanwhile is told 'busy'.
        reportUnavailable('release', err);
      }
    },

    close(): Promise<void> {
      closing ??= (async () => {
        held.clear();
        if (redis.status === 'end') return;
        try {
          await redis.quit();
        } catch {
          // Not connected (or hung): drop the socket and stop reconnecting.
          redis.disconnect();
        }
      })();
      return closing;
    },
  };
}

/** The message and code of an error, never the client options (the URL may carry a password). */
function describe(err: unknown): { message: string; code: string | undefined } {
  const error = err as { message?: unknown; code?: unknown };
  return { message: String(error?.message ?? err), code: typeof error?.code === 'string' ? error.code : undefined };
}
