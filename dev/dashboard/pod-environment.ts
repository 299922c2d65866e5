/** The environment of one replica in the dashboard picture's run: every feature a panel shows is on. */

export interface PodEnvironmentOptions {
  readonly brokers: readonly string[];
  /** The sign-up topic; its DLQ and receipts topics are named after it. */
  readonly topic: string;
  /** SMTP sink ports: the primary relay and the fallback relay. */
  readonly primaryPort: number;
  readonly fallbackPort: number;
  readonly redisPort: number;
  readonly httpPort: number;
}

/** Sends per second all replicas share; 40 events/s use 40 % of it, a backlog draining all of it. */
export const CLUSTER_SEND_RATE = 100;

export function podEnvironment(o: PodEnvironmentOptions): Record<string, string> {
  const redis = `redis://127.0.0.1:${o.redisPort}`;
  return {
    KAFKA_BROKERS: o.brokers.join(','),
    KAFKA_TOPIC: o.topic,
    KAFKA_DLQ_TOPIC: `${o.topic}.dlq`,
    KAFKA_RECEIPTS_TOPIC: `${o.topic}.receipts`,
    KAFKA_GROUP_ID: `${o.topic}.dispatcher`,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(o.primaryPort),
    SMTP_FALLBACK_HOST: '127.0.0.1',
    SMTP_FALLBACK_PORT: String(o.fallbackPort),
    // Probing every 2 s instead of 5 s: the recoveries after the outages fit the picture.
    SMTP_BREAKER_PROBE_INTERVAL_MS: '2000',
    EMAIL_FROM: 'Acme <welcome@acme.test>',
    IDEMPOTENCY_REDIS_URL: redis,
    REDIS_URL: redis,
    EMAIL_RATE_LIMIT_SCOPE: 'cluster',
    EMAIL_RATE_LIMIT_PER_SECOND: String(CLUSTER_SEND_RATE),
    // The two replicas of the run: without Redis each sends half.
    EMAIL_RATE_LIMIT_MAX_REPLICAS: '2',
    HTTP_PORT: String(o.httpPort),
    SHUTDOWN_TIMEOUT_MS: '5000',
    LOG_LEVEL: 'warn',
  };
}
