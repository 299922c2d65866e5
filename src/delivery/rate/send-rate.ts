import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

import type { Metrics } from '../../platform/metrics.js';
import { sleep } from '../../platform/sleep.js';
import { SharePacer } from './share-pacer.js';

/** What the cluster send rate runs on now (for /readyz). */
export interface SendRateState {
  /** `shared`: the budget in Redis; `pod-share`: this pod's share, because Redis is unreachable or slow. */
  readonly budget: 'shared' | 'pod-share';
  /** Why the pod's share is in use. */
  readonly reason?: FallbackReason;
  /** This pod's share, sends per second (may be below 1). */
  readonly sharePerSecond: number;
}

/** Waits for the right to start one send. */
export interface SendRate {
  /** Resolves when a send may start; rejects only when `signal` aborts. */
  take(signal: AbortSignal): Promise<void>;
  state?(): SendRateState;
}

/** One point of the budget shared by every replica. */
export interface SharedBudget {
  /** 0 when a send may start now, else the ms until the budget has room; rejects when the store cannot answer. */
  take(): Promise<number>;
}

/**
 * The shared budget in Redis, counted per second by rate-limiter-flexible (one atomic Lua call per
 * send, fixed 1 s windows). `redis` is shared with the caller, built with `enableOfflineQueue: false`.
 */
export function redisSendBudget({
  redis,
  perSecond,
  keyPrefix,
}: {
  redis: Pick<Redis, 'status'> & object;
  perSecond: number;
  keyPrefix: string;
}): SharedBudget {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    points: perSecond,
    duration: 1,
    keyPrefix: `${keyPrefix}:send-rate`,
    rejectIfRedisNotReady: true,
  });
  return {
    take: () =>
      limiter.consume('sends').then(
        () => 0,
        (err: unknown) => {
          if (err instanceof RateLimiterRes) return Math.max(1, err.msBeforeNext);
          throw err;
        },
      ),
  };
}

type FallbackReason = 'slow' | 'unreachable';

export interface ClusterSendRateOptions {
  readonly budget: SharedBudget;
  /** Sends started per second by all replicas together (EMAIL_RATE_LIMIT_PER_SECOND). */
  readonly perSecond: number;
  /** Without the shared budget each pod takes `perSecond / maxReplicas` (EMAIL_RATE_LIMIT_MAX_REPLICAS). */
  readonly maxReplicas: number;
  /** A budget answer later than this is no answer: the send takes the pod's share. @default 100 */
  readonly answerWithinMs?: number;
  readonly metrics: Pick<Metrics, 'rateLimitFallback' | 'rateLimitFallbacks'>;
  readonly logger: Logger;
}

/** At most one fallback warning per this long; the sends on the share are counted either way. */
const WARN_EVERY_MS = 60_000;

/**
 * One send budget for every replica (EMAIL_RATE_LIMIT_SCOPE=cluster). Each send asks the budget; an
 * answer later than `answerWithinMs` (Redis slow) or none at all (unreachable) is not waited for:
 * that send takes this pod's share instead, `perSecond / maxReplicas` paced evenly (a fraction of one
 * a second is one send every few seconds), so replicas that cannot coordinate stay together within
 * the limit. A late answer still takes its point in Redis, so the replicas that do reach it see the
 * send. Sends on the share are counted (`rate_limit_fallback_sends_total`); the gauge and /readyz say
 * the pod is on its share until an answer comes in time again; one warning a minute at most.
 */
export function clusterSendRate({ budget, perSecond, maxReplicas, answerWithinMs = 100, metrics, logger }: ClusterSendRateOptions): SendRate {
  const sharePerSecond = perSecond / maxReplicas;
  const share = new SharePacer(1_000 / sharePerSecond);
  let fallback: FallbackReason | undefined;
  let warnedAt = Number.NEGATIVE_INFINITY;
  let warned = false;
  metrics.rateLimitFallback.set(0);

  function onShare(reason: FallbackReason): void {
    if (fallback === undefined) {
      metrics.rateLimitFallback.set(1);
      if (Date.now() - warnedAt >= WARN_EVERY_MS) {
        warnedAt = Date.now();
        warned = true;
        logger.warn(
          { reason, perSecond, maxReplicas, sharePerSecond, answerWithinMs },
          "send rate: Redis does not answer in time; sends take this pod's share of EMAIL_RATE_LIMIT_PER_SECOND until it does",
        );
      }
    }
    fallback = reason;
  }

  function onShared(): void {
    if (fallback === undefined) return;
    fallback = undefined;
    metrics.rateLimitFallback.set(0);
    if (warned) logger.info({ perSecond }, 'send rate: Redis answers in time again; the budget is shared across replicas');
    warned = false;
  }

  /** The budget's answer, or why there is none within the bound. Rejects only when `signal` aborts. */
  function ask(signal: AbortSignal): Promise<number | FallbackReason> {
    return new Promise((resolve, reject) => {
      const end = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        end();
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        end();
        resolve('slow');
      }, answerWithinMs);
      signal.addEventListener('abort', onAbort, { once: true });
      budget.take().then(
        (waitMs) => {
          end();
          resolve(waitMs);
        },
        () => {
          end();
          resolve('unreachable');
        },
      );
    });
  }

  return {
    async take(signal) {
      for (;;) {
        signal.throwIfAborted();
        const answer = await ask(signal);
        if (typeof answer === 'number') onShared();
        if (answer === 0) return;
        if (typeof answer === 'number') {
          // Over budget this second: wait for the next window.
          await sleep(answer, signal);
          continue;
        }
        onShare(answer);
        await share.take(signal);
        metrics.rateLimitFallbacks.inc({ reason: answer });
        return;
      }
    },
    state: () => ({ budget: fallback === undefined ? 'shared' : 'pod-share', ...(fallback ? { reason: fallback } : {}), sharePerSecond }),
  };
}
