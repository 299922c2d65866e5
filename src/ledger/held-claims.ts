import type { Logger } from 'pino';

import type { Metrics } from '../platform/metrics.js';
import type { LedgerOutageLog } from './outage-log.js';
import { type LedgerRedis, RENEW, runScript } from './redis-scripts.js';

/** A send of ours in flight. `token` is undefined when Redis was away at the claim (nothing to renew). */
export interface HeldClaim {
  readonly token: string | undefined;
  /** A renewal found the claim gone or taken: counted once, renewed no more. */
  lost: boolean;
}

/** The claims of this process's sends in flight, each kept alive until its send ends. */
export interface HeldClaims {
  has(eventId: string): boolean;
  get(eventId: string): HeldClaim | undefined;
  /** A claim taken (`token`) or, with Redis away, assumed (undefined): renewed from now on while it has a token. */
  hold(eventId: string, token: string | undefined): void;
  /** Forgets the event's claim if it is still `claim` (a newer one of the same event stays). */
  drop(eventId: string, claim: HeldClaim | undefined): void;
  /** Counts and logs a claim found gone or taken (`found`) `when`. */
  leaseLost(eventId: string, found: unknown, when: string): void;
  /** Forgets every claim and renews no more, for good. */
  stop(): void;
}

export interface HeldClaimsOptions {
  readonly redis: LedgerRedis;
  /** The event's ledger key. */
  readonly key: (eventId: string) => string;
  readonly leaseMs: number;
  readonly leaseRenewMs: number;
  readonly metrics: Pick<Metrics, 'ledgerLeaseLost'>;
  readonly logger: Logger;
  readonly outage: LedgerOutageLog;
}

/**
 * Our claims while their sends are in flight, and their lease renewal: every `leaseRenewMs`, one
 * script call renews all of them (a round still waiting for Redis is not overlapped; a failed one is
 * counted and logged like any ledger call). Renewal ends with the send or with the process, so a
 * crash holds its in-flight events for one lease, not for the longest possible send.
 */
export function createHeldClaims({ redis, key, leaseMs, leaseRenewMs, metrics, logger, outage }: HeldClaimsOptions): HeldClaims {
  const held = new Map<string, HeldClaim>();
  let renewal: NodeJS.Timeout | undefined;
  let renewing = false;
  let stopped = false;

  function leaseLost(eventId: string, found: unknown, when: string): void {
    metrics.ledgerLeaseLost.inc({ found: String(found) });
    logger.warn(
      { eventId, found, leaseMs, leaseRenewMs },
      `sent ledger claim was lost ${when}; renewals were late or failed (IDEMPOTENCY_LEASE_MS may be too short)`,
    );
  }

  async function renewRound(): Promise<void> {
    if (renewing) return;
    const claims = [...held].filter(([, claim]) => claim.token !== undefined && !claim.lost);
    if (claims.length === 0) {
      clearInterval(renewal);
      renewal = undefined;
      return;
    }
    renewing = true;
    try {
      const found = await runScript(
        redis,
        RENEW,
        claims.map(([eventId]) => key(eventId)),
        [leaseMs, ...claims.map(([, claim]) => claim.token as string)],
      );
      claims.forEach(([eventId, claim], i) => {
        const what = Array.isArray(found) ? found[i] : found;
        if (what === 'owned' || held.get(eventId) !== claim) return;
        claim.lost = true;
        leaseLost(eventId, what, 'while its send was in flight');
      });
    } catch (err) {
      outage.unavailable('renew', err);
    } finally {
      renewing = false;
    }
  }

  return {
    has: (eventId) => held.has(eventId),
    get: (eventId) => held.get(eventId),
    hold(eventId, token) {
      held.set(eventId, { token, lost: false });
      if (token === undefined || renewal !== undefined || stopped) return;
      renewal = setInterval(() => void renewRound(), leaseRenewMs);
      renewal.unref();
    },
    drop(eventId, claim) {
      if (held.get(eventId) === claim) held.delete(eventId);
    },
    leaseLost,
    stop() {
      stopped = true;
      clearInterval(renewal);
      renewal = undefined;
      held.clear();
    },
  };
}
