import { createHash } from 'node:crypto';

import type { Redis, RedisOptions } from 'ioredis';

/**
 * Client settings for the ledger's Redis: every command fails within about a second instead of
 * waiting for a hung or absent server, so the documented unavailability rule applies at once.
 */
export const REDIS_LEDGER_CLIENT_OPTIONS = {
  // A hung Redis (or a lost reply) delays a send by at most this long.
  commandTimeout: 1_000,
  connectTimeout: 2_000,
  // No resend on reconnect: the dispatcher already retries a held message on its own timer.
  maxRetriesPerRequest: 0,
  // While disconnected, fail now rather than queue: a queued claim would block its worker.
  enableOfflineQueue: false,
  // Reconnect for ever, at most every 2 s.
  retryStrategy: (times: number) => Math.min(times * 200, 2_000),
} satisfies RedisOptions;

/** What the ledger uses of an ioredis client. */
export type LedgerRedis = Pick<Redis, 'eval' | 'evalsha' | 'quit' | 'disconnect' | 'on' | 'status'>;

const SENT = 'sent';

/**
 * KEYS[1] the event's key, KEYS[2] what the send was (Message-ID, relay; see `sentByKey`).
 * Claims a free key for a lease; a key that holds 'sent' or another claim is left alone.
 */
export const CLAIM = script(`
local value = redis.call('GET', KEYS[1])
if value == '${SENT}' then return {'already-sent', redis.call('GET', KEYS[2])} end
if value then return 'busy' end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 'claimed'`);

/** Compare-and-delete: only the holder of the claim may free it. */
export const RELEASE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

/**
 * Records the send whatever the key holds (the mail did go out), and says what it found, so a send
 * whose lease had expired is visible. The key itself stays exactly 'sent', which every release
 * reads as sent (a rollout or a rollback mixes them); the details go beside it with the same TTL.
 */
export const MARK_SENT = script(`
local value = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], '${SENT}', 'EX', ARGV[2])
if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[2]) end
if value == ARGV[1] then return 'owned' end
if not value then return 'absent' end
if value == '${SENT}' then return 'sent' end
return 'other-claim'`);

/**
 * One renewal round for every claim in flight: KEYS are the events' keys, ARGV[1] the lease, then
 * one claim token per key. A key still holding our token gets a fresh lease; the others say what
 * they hold instead (the claim was lost).
 */
export const RENEW = script(`
local found = {}
for i, key in ipairs(KEYS) do
  local value = redis.call('GET', key)
  if value == ARGV[i + 1] then
    redis.call('PEXPIRE', key, ARGV[1])
    found[i] = 'owned'
  elseif not value then found[i] = 'absent'
  elseif value == '${SENT}' then found[i] = 'sent'
  else found[i] = 'other-claim' end
end
return found`);

/** Where MARK_SENT keeps what the send was. Event ids never contain ':' (the event schema), so no event's key is another's. */
export const sentByKey = (key: string) => `${key}:by`;

export interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** Runs a script by its SHA, loading it on the server's first NOSCRIPT (after a restart or a flush). */
export async function runScript(redis: LedgerRedis, lua: Script, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
  try {
    return await redis.evalsha(lua.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!/NOSCRIPT/.test(String((err as Error).message))) throw err;
    return await redis.eval(lua.source, keys.length, ...keys, ...args);
  }
}
