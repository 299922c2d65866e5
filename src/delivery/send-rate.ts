import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { sleep } from '../platform/sleep.js';

/** Waits for the right to start one send. */
export interface SendRate {
  /** Resolves when a send may start; rejects only when `signal` aborts. */
  take(signal: AbortSignal): Promise<void>;
}

/** Per pod (EMAIL_RATE_LIMIT_SCOPE=pod): the worker pool's own interval cap does it; nothing to wait for here. */
export const podSendRate: SendRate = { take: async () => {} };

export interface ClusterSendRateOptions {
  /** Shared with the other replicas; owned by the caller. Build it with `enableOfflineQueue: false`. */
  readonly redis: Pick<Redis, 'status'> & object;
  /** Sends started per second by all replicas together (EMAIL_RATE_LIMIT_PER_SECOND). */
  readonly perSecond: number;
  /** While Redis is unreachable each pod takes `perSecond / maxReplicas` (EMAIL_RATE_LIMIT_MAX_REPLICAS). */
  readonly maxReplicas: number;
  /** Replicas sharing one budget share this prefix (the consumer group). */
  readonly keyPrefix: string;
  readonly metrics: Pick<Metrics, 'rateLimitFallback'>;
  readonly logger: Logger;
}

/**
 * One send budget for every replica (EMAIL_RATE_LIMIT_SCOPE=cluster), counted in Redis per second by
 * rate-limiter-flexible (one atomic Lua call per send). When Redis does not answer, each pod falls
 * back to its share of the budget given the most replicas there can be, so together they never
 * exceed it; `email_dispatcher_rate_limit_fallback` says so, and the shared budget resumes when
 * Redis answers again.
 */
export function clusterSendRate({ redis, perSecond, maxReplicas, keyPrefix, metrics, logger }: ClusterSendRateOptions): SendRate {
  const share = Math.max(1, Math.floor(perSecond / maxReplicas));
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    points: perSecond,
    duration: 1,
    keyPrefix: `${keyPrefix}:send-rate`,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ points: share, duration: 1 }),
  });
  let fallback = false;
  const note = () => {
    const now = redis.status !== 'ready';
    if (now === fallback) return;
    fallback = now;
    metrics.rateLimitFallback.set(now ? 1 : 0);
    if (now) logger.warn({ perSecond, share, maxReplicas }, 'send rate: Redis unreachable; this pod sends at most its share of EMAIL_RATE_LIMIT_PER_SECOND until it answers');
    else logger.info({ perSecond }, 'send rate: Redis answers again; the budget is shared across replicas');
  };
  metrics.rateLimitFallback.set(0);
  return {
    async take(signal) {
      for (;;) {
        signal.throwIfAborted();
        try {
          await limiter.consume('sends');
          note();
          return;
        } catch (res) {
          note();
          // Over budget this second: wait for the next one. Anything else (an insurance error) waits a little.
          const waitMs = res instanceof RateLimiterRes ? Math.max(1, res.msBeforeNext) : 100;
          await sleep(waitMs, signal);
        }
      }
    },
  };
}
