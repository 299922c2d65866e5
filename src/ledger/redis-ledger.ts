import { randomUUID } from 'node:crypto';

import type { Logger } from 'pino';

import type { Metrics } from '../platform/metrics.js';
import { LedgerUnavailableError } from '../platform/service-error.js';
import { createHeldClaims } from './held-claims.js';
import { createLedgerOutageLog } from './outage-log.js';
import { CLAIM, type LedgerRedis, MARK_SENT, RELEASE, runScript, sentByKey } from './redis-scripts.js';
import type { ClaimResult, SentLedger, SentRecord } from './sent-ledger.js';

export interface RedisSentLedgerOptions {
  /** Owned by the ledger from now on: `close()` quits it. Build it with `REDIS_LEDGER_CLIENT_OPTIONS`. */
  readonly redis: LedgerRedis;
  /** How long a sent eventId is remembered (IDEMPOTENCY_TTL_SECONDS). */
  readonly ttlSeconds: number;
  /** How long a claim outlives its holder's last renewal (IDEMPOTENCY_LEASE_MS): a crashed send's event waits this long. */
  readonly leaseMs: number;
  /** How often the claims in flight are renewed (IDEMPOTENCY_LEASE_RENEW_MS); at most a third of `leaseMs`. */
  readonly leaseRenewMs: number;
  /** Redis unreachable: false → send anyway (at-least-once); true → throw `LedgerUnavailableError` (hold). */
  readonly strict: boolean;
  readonly metrics: Pick<Metrics, 'ledgerErrors' | 'ledgerLeaseLost'>;
  readonly logger: Logger;
  /** @default 'email-dispatcher:sent:' */
  readonly keyPrefix?: string;
  /** Minimum time between two unavailability log lines; the ones in between are counted. @default 10_000 */
  readonly logIntervalMs?: number;
}

/**
 * The sent ledger on Redis. One key per eventId: `claim:<token>` with a short lease while a send is
 * in flight, `sent` with a TTL afterwards (what the send was beside it, for a later duplicate's receipt).
 *
 * The lease is renewed while the send is in flight (`createHeldClaims`); renewal ends with the send
 * (`markSent`, `release`) or with the process, so a crash holds its in-flight events for one lease,
 * not for the longest possible send.
 *
 * Races, each covered by test/integration/redis-sent-ledger.test.ts:
 * - two instances claim at once (rebalance overlap): the claim is one Lua script, one wins, the
 *   other gets 'busy' and retries later;
 * - a holder crashes mid-send: its renewals stop, its lease expires and the next claim succeeds (the
 *   email may have gone out: at-least-once, never lost);
 * - renewals fail or come late and the lease lapses mid-send: counted in `ledgerLeaseLost` once; this
 *   process still answers 'busy' for the event until its send ends, so it never sends it twice at once;
 * - a stale holder (lease expired, another instance claimed) releases: compare-and-delete leaves
 *   the new claim alone;
 * - a stale holder marks sent: it did send, so 'sent' overwrites the other claim; that claim's
 *   release then finds 'sent' and keeps it;
 * - a release whose Redis call failed leaves the claim until its lease ends ('busy' meanwhile).
 *
 * Unavailable Redis (error or `commandTimeout`): `claim` counts `ledgerErrors`, logs, and returns
 * 'claimed' (send without the check) or, when strict, throws `LedgerUnavailableError` (the
 * dispatcher holds the message). `markSent` throws `LedgerUnavailableError` (the dispatcher counts
 * it; the mail is sent either way); `release` and renewals count and go on.
 */
export function createRedisSentLedger({
  redis,
  ttlSeconds,
  leaseMs,
  leaseRenewMs,
  strict,
  metrics,
  logger,
  keyPrefix = 'email-dispatcher:sent:',
  logIntervalMs = 10_000,
}: RedisSentLedgerOptions): SentLedger {
  const key = (eventId: string) => `${keyPrefix}${eventId}`;
  const outage = createLedgerOutageLog({ redis, strict, metrics, logger, logIntervalMs });
  const held = createHeldClaims({ redis, key, leaseMs, leaseRenewMs, metrics, logger, outage });
  let closing: Promise<void> | undefined;

  return {
    async claim(eventId: string): Promise<ClaimResult> {
      // Our own send of this event is still in flight (a redelivery after a rebalance gave the
      // partition back): whatever Redis says now, a second send must not start here.
      if (held.has(eventId)) return 'busy';
      const token = `claim:${randomUUID()}`;
      let result: unknown;
      try {
        result = await runScript(redis, CLAIM, [key(eventId), sentByKey(key(eventId))], [token, leaseMs]);
      } catch (err) {
        outage.unavailable('claim', err);
        if (strict) throw new LedgerUnavailableError({ cause: err });
        if (held.has(eventId)) return 'busy';
        held.hold(eventId, undefined);
        return 'claimed';
      }
      if (result === 'busy') return result;
      if (result === 'claimed') {
        held.hold(eventId, token);
        return result;
      }
      if (Array.isArray(result) && result[0] === 'already-sent') return { kind: 'already-sent', ...parseSentBy(result[1]) };
      throw new Error(`sent ledger: unexpected claim reply ${String(result)}`);
    },

    async markSent(eventId: string, sent?: SentRecord): Promise<void> {
      const claim = held.get(eventId);
      let found: unknown;
      try {
        found = await runScript(redis, MARK_SENT, [key(eventId), sentByKey(key(eventId))], [claim?.token ?? '', ttlSeconds, sent ? JSON.stringify(sent) : '']);
      } catch (err) {
        throw new LedgerUnavailableError({ cause: err });
      } finally {
        held.drop(eventId, claim);
      }
      // Without a claim of ours (claimed while Redis was down) there was no lease to lose; a renewal
      // that saw the loss has counted it already.
      if (claim?.token !== undefined && !claim.lost && found !== 'owned') held.leaseLost(eventId, found, 'before the send was recorded');
    },

    async release(eventId: string): Promise<void> {
      const claim = held.get(eventId);
      if (claim === undefined) return;
      held.drop(eventId, claim);
      if (claim.token === undefined) return;
      try {
        await runScript(redis, RELEASE, [key(eventId)], [claim.token]);
      } catch (err) {
        // The claim stays until its lease ends: a retry meanwhile is told 'busy'.
        outage.unavailable('release', err);
      }
    },

    close(): Promise<void> {
      closing ??= (async () => {
        held.stop();
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

/** What MARK_SENT stored beside the key; nothing (a record of an older release) or unreadable → unknown. */
function parseSentBy(stored: unknown): { messageId: string | undefined; relay: string | undefined } {
  try {
    const sent = typeof stored === 'string' ? (JSON.parse(stored) as Partial<SentRecord>) : {};
    return { messageId: typeof sent.messageId === 'string' ? sent.messageId : undefined, relay: typeof sent.relay === 'string' ? sent.relay : undefined };
  } catch {
    return { messageId: undefined, relay: undefined };
  }
}
