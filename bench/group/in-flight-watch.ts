import { Redis } from 'ioredis';

import { Receipts } from './receipts.js';

/** The sent ledger's key prefix (the service's default). */
const LEDGER_PREFIX = 'email-dispatcher:sent:';

/**
 * The events a killed instance was sending: the claims it held in the sent ledger at the moment it
 * died (one instance runs at a time in this bench, so every claim is its own). Read from Redis
 * right after the SIGKILL, before the restart can claim anything.
 */
export async function claimsInFlight(redisUrl: string): Promise<string[]> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 5_000 });
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${LEDGER_PREFIX}*`, 'COUNT', 1_000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const values = await redis.mget(keys);
    return keys.filter((_, i) => values[i]?.startsWith('claim:')).map((key) => key.slice(LEDGER_PREFIX.length));
  } finally {
    redis.disconnect();
  }
}

interface Watch {
  readonly from: number;
  /** eventId → first arrival at or after `from` (undefined until then). */
  readonly arrivals: Map<string, number | undefined>;
}

/**
 * Receipts that also note, for the events a kill left in flight, when each next arrived at the sink
 * (after the kill's settle time, so a copy the dead process still got accepted does not count).
 */
export class InFlightReceipts extends Receipts {
  readonly #watches: Watch[] = [];

  /** Starts watching `eventIds` from `from`; returns the watch's index. */
  watch(eventIds: readonly string[], from: number): number {
    this.#watches.push({ from, arrivals: new Map(eventIds.map((id) => [id, undefined])) });
    return this.#watches.length - 1;
  }

  override add(messageId: string, at: number): boolean {
    const eventId = messageId.slice(1, messageId.indexOf('@'));
    for (const w of this.#watches) {
      if (at >= w.from && w.arrivals.has(eventId) && w.arrivals.get(eventId) === undefined) w.arrivals.set(eventId, at);
    }
    return super.add(messageId, at);
  }

  /** When the first and the last of a watch's events arrived, and how many of them did. */
  settled(index: number): { readonly arrived: number; readonly of: number; readonly firstAt: number | undefined; readonly lastAt: number | undefined } {
    const arrivals = [...(this.#watches[index]?.arrivals.values() ?? [])];
    const times = arrivals.filter((t): t is number => t !== undefined);
    const none = times.length === 0;
    return { arrived: times.length, of: arrivals.length, firstAt: none ? undefined : Math.min(...times), lastAt: none ? undefined : Math.max(...times) };
  }
}
