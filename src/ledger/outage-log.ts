import type { Logger } from 'pino';

import type { Metrics } from '../platform/metrics.js';
import type { LedgerRedis } from './redis-scripts.js';

/** How the sent ledger reports an unreachable Redis: each failed call counted, at most one line per interval. */
export interface LedgerOutageLog {
  /** A ledger call failed (error or `commandTimeout`): counted; logged unless a line went out within the interval. */
  unavailable(operation: string, err: unknown): void;
}

/**
 * Counts every failed call in `ledgerErrors` and logs at most one line per `logIntervalMs` (a Redis
 * outage must not flood the log), saying how many it left out; listens to the client's connection
 * errors (without a listener ioredis prints each one to stderr) and says once when Redis is back.
 */
export function createLedgerOutageLog({
  redis,
  strict,
  metrics,
  logger,
  logIntervalMs,
}: {
  redis: Pick<LedgerRedis, 'on'>;
  strict: boolean;
  metrics: Pick<Metrics, 'ledgerErrors'>;
  logger: Logger;
  logIntervalMs: number;
}): LedgerOutageLog {
  let lastLog = -Infinity;
  let suppressed = 0;
  let failing = false;

  redis.on('error', (err: unknown) => {
    failing = true;
    const now = Date.now();
    if (now - lastLog < logIntervalMs) return;
    lastLog = now;
    logger.warn(describe(err), 'sent ledger Redis connection error; reconnecting');
  });
  redis.on('ready', () => {
    if (!failing) return;
    failing = false;
    logger.info('sent ledger Redis reachable again');
  });

  return {
    unavailable(operation, err) {
      metrics.ledgerErrors.inc();
      failing = true;
      const now = Date.now();
      if (now - lastLog < logIntervalMs) {
        suppressed += 1;
        return;
      }
      lastLog = now;
      logger.warn(
        { operation, ...describe(err), strict, suppressed },
        strict ? 'sent ledger unavailable; holding messages until Redis answers' : 'sent ledger unavailable; sending without the duplicate check',
      );
      suppressed = 0;
    },
  };
}

/** The message and code of an error, never the client options (the URL may carry a password). */
function describe(err: unknown): { error: string; code: string | undefined } {
  const e = err as { message?: unknown; code?: unknown };
  return { error: String(e?.message ?? err), code: typeof e?.code === 'string' ? e.code : undefined };
}
