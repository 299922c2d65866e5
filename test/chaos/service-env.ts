/** The service's settings in a chaos run; the duplicate bound and the retry check are derived from them. */
export const SERVICE_SETTINGS = {
  workerCount: 5,
  buffer: 40,
  commitIntervalMs: 1_000,
  retry: { delaysMs: [1_000, 5_000, 10_000], maxRetries: 3 },
  shutdownTimeoutMs: 10_000,
} as const;

/** The domain of EMAIL_FROM: the Message-IDs are `<eventId@acme.test>`. */
export const FROM_DOMAIN = 'acme.test';

export interface ChaosServiceEnvOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly dlqTopic: string;
  readonly groupId: string;
  readonly smtpPort: number;
  /** Turns the Redis sent ledger on. */
  readonly redisUrl?: string;
  /** Turns delivery receipts on. */
  readonly receiptsTopic?: string;
  /** Turns the fallback relay on, with a login it checks. */
  readonly fallback?: { readonly port: number; readonly user: string; readonly pass: string };
  /** Turns the cluster send rate on (through `rateRedisUrl`). */
  readonly clusterRate?: { readonly perSecond: number; readonly maxReplicas: number; readonly redisUrl: string };
}

/**
 * The environment of every service instance of a run. Short session timeout and heartbeat so a
 * killed member leaves the group in 10 s; a 10 s shutdown budget so a SIGTERM-and-restart fits in a
 * chaos phase; SMTP timeouts short enough for the sent ledger's lease (15 s) to exceed the whole-send
 * deadline; the breaker probes every second so an SMTP outage ends when the server is back.
 */
export function chaosServiceEnv(o: ChaosServiceEnvOptions): Record<string, string> {
  return {
    KAFKA_BROKERS: o.brokers.join(','),
    KAFKA_CLIENT_ID: 'chaos-dispatcher',
    KAFKA_TOPIC: o.topic,
    KAFKA_DLQ_TOPIC: o.dlqTopic,
    KAFKA_GROUP_ID: o.groupId,
    KAFKA_SESSION_TIMEOUT_MS: '10000',
    KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
    KAFKA_COMMIT_INTERVAL_MS: String(SERVICE_SETTINGS.commitIntervalMs),
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(o.smtpPort),
    SMTP_TIMEOUT_MS: '5000',
    SMTP_SEND_TIMEOUT_MS: '10000',
    SMTP_BREAKER_PROBE_INTERVAL_MS: '1000',
    EMAIL_FROM: `Acme <welcome@${FROM_DOMAIN}>`,
    EMAIL_WORKER_COUNT: String(SERVICE_SETTINGS.workerCount),
    EMAIL_WORKER_BUFFER: String(SERVICE_SETTINGS.buffer),
    EMAIL_MAX_RETRIES: String(SERVICE_SETTINGS.retry.maxRetries),
    EMAIL_RETRY_DELAYS_MS: SERVICE_SETTINGS.retry.delaysMs.join(','),
    SHUTDOWN_TIMEOUT_MS: String(SERVICE_SETTINGS.shutdownTimeoutMs),
    LOG_LEVEL: 'info',
    ...(o.redisUrl ? { IDEMPOTENCY_REDIS_URL: o.redisUrl, IDEMPOTENCY_LEASE_MS: '15000' } : {}),
    ...(o.receiptsTopic ? { KAFKA_RECEIPTS_TOPIC: o.receiptsTopic } : {}),
    ...(o.fallback
      ? {
          SMTP_FALLBACK_HOST: '127.0.0.1',
          SMTP_FALLBACK_PORT: String(o.fallback.port),
          SMTP_FALLBACK_USER: o.fallback.user,
          SMTP_FALLBACK_PASS: o.fallback.pass,
        }
      : {}),
    ...(o.clusterRate
      ? {
          REDIS_URL: o.clusterRate.redisUrl,
          EMAIL_RATE_LIMIT_SCOPE: 'cluster',
          EMAIL_RATE_LIMIT_PER_SECOND: String(o.clusterRate.perSecond),
          EMAIL_RATE_LIMIT_MAX_REPLICAS: String(o.clusterRate.maxReplicas),
        }
      : {}),
  };
}
