import { readFileSync } from 'node:fs';

import { Redis } from 'ioredis';
import { type Admin, type Consumer, Kafka, type Producer } from 'kafkajs';

import { clusterSendRate, redisSendBudget, type SendRate } from '../delivery/rate/send-rate.js';
import type { DkimOptions } from '../email/dkim-signer.js';
import { createRedisSentLedger } from '../ledger/redis-ledger.js';
import { REDIS_LEDGER_CLIENT_OPTIONS } from '../ledger/redis-scripts.js';
import { noLedger, type SentLedger } from '../ledger/sent-ledger.js';
import type { Config } from '../platform/config/config.js';
import { consumerConfig, DLQ_PRODUCER_CONFIG, kafkaClientConfig } from '../platform/kafka/client-config.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import type { StalledPublishes } from '../settle/publish/produce-until-acknowledged.js';
import { createReceipts, noReceipts, type PublishReceipt } from '../settle/publish/receipts.js';
import { topicPartitionCount } from '../settle/publish/topic-partition-count.js';
import { createSmtpMailer, type Mailer } from '../smtp/mailer.js';

/** The service's connections to the outside: Kafka (consumer and DLQ producer), SMTP, the sent ledger's Redis. */
export interface Clients {
  readonly consumer: Consumer;
  readonly producer: Producer;
  /** Reads the last stable offsets, also while the consumer is paused (lag gauges). */
  readonly admin: Admin;
  /**
   * Checks at start that the topics exist, then is let go: its own client, since KafkaJS fails a
   * connect that follows a disconnect too closely ("write after end").
   */
  readonly topicCheckAdmin: Admin;
  readonly mailer: Mailer;
  /** The fallback relay (SMTP_FALLBACK_HOST), with its own pool; undefined when none. */
  readonly fallbackMailer: Mailer | undefined;
  readonly ledger: SentLedger;
  /** Delivery receipts on KAFKA_RECEIPTS_TOPIC through the DLQ's producer; a no-op when off. */
  readonly publishReceipt: PublishReceipt;
  /** The send budget shared with the other replicas (EMAIL_RATE_LIMIT_SCOPE=cluster), with its own Redis connection. */
  readonly clusterRate: { readonly rate: SendRate; close(): Promise<void> } | undefined;
}

/** Builds the real clients from config; `overrides` replace the mailer or ledger (tests); `stalls` counts receipt publishes past their bound. Nothing connects yet. */
export function buildClients(
  config: Config,
  logger: Logger,
  metrics: Metrics,
  overrides: { mailer?: Mailer; ledger?: SentLedger; stalls?: StalledPublishes },
): Clients {
  const kafka = new Kafka(kafkaClientConfig(config, logger));
  const { idempotency } = config;
  // IDEMPOTENCY_REDIS_URL, else the shared REDIS_URL.
  const ledgerUrl = idempotency.redisUrl || config.redis.url;
  const producer = kafka.producer(DLQ_PRODUCER_CONFIG);
  const { receiptsTopic } = config.kafka;
  // Read once: both relays sign with the same key.
  const dkim = dkimOptions(config);
  return {
    publishReceipt:
      receiptsTopic === ''
        ? noReceipts
        : createReceipts({
            producer,
            topic: receiptsTopic,
            partitionCount: topicPartitionCount({ newAdmin: () => kafka.admin(), topic: receiptsTopic }),
            relay: 'primary',
            metrics,
            logger,
            stallAfterMs: config.kafka.receiptPublishStallMs,
            ...(overrides.stalls ? { stalls: overrides.stalls } : {}),
          }),
    clusterRate: config.email.rateLimitScope === 'cluster' ? buildClusterRate(config, logger, metrics) : undefined,
    consumer: kafka.consumer(consumerConfig(config)),
    producer,
    admin: kafka.admin(),
    topicCheckAdmin: kafka.admin(),
    mailer: overrides.mailer ?? createSmtpMailer({ ...config.smtp, connections: config.email.workerCount, logger: logger.child({ component: 'smtp' }), dkim }),
    fallbackMailer: fallbackMailer(config, logger, dkim),
    ledger:
      overrides.ledger ??
      (ledgerUrl === ''
        ? noLedger
        : createRedisSentLedger({
            redis: new Redis(ledgerUrl, REDIS_LEDGER_CLIENT_OPTIONS),
            ...idempotency,
            metrics,
            logger: logger.child({ component: 'sent-ledger' }),
          })),
  };
}

function buildClusterRate(config: Config, logger: Logger, metrics: Metrics): Clients['clusterRate'] {
  const redis = new Redis(config.redis.url || config.idempotency.redisUrl, REDIS_LEDGER_CLIENT_OPTIONS);
  const log = logger.child({ component: 'send-rate' });
  // Without a listener ioredis prints every connection error itself; the rate logs the fallback once.
  redis.on('error', () => {});
  const { rateLimitPerSecond: perSecond, rateLimitMaxReplicas: maxReplicas } = config.email;
  return {
    rate: clusterSendRate({
      budget: redisSendBudget({ redis, perSecond, keyPrefix: `email-dispatcher:${config.kafka.groupId}` }),
      perSecond,
      maxReplicas,
      metrics,
      logger: log,
    }),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** DKIM signing when DKIM_* are set; the key file was checked by loadConfig. */
export function dkimOptions({ dkim }: Config): DkimOptions | undefined {
  return dkim.domain === '' ? undefined : { domain: dkim.domain, selector: dkim.selector, privateKey: readFileSync(dkim.privateKeyFile, 'utf8') };
}

/** The fallback relay: the primary's settings (timeouts, TLS, pool size, DKIM) with its own host and login. */
export function fallbackMailer(config: Config, logger: Logger, dkim: DkimOptions | undefined): Mailer | undefined {
  const fb = config.smtpFallback;
  if (fb.host === '') return undefined;
  // SMTP_FALLBACK_PASS_FILE rotates like SMTP_PASS_FILE.
  const login = { user: fb.user, pass: fb.pass, passFile: fb.passFile, passVariable: 'SMTP_FALLBACK_PASS' };
  return createSmtpMailer({
    ...config.smtp,
    ...login,
    host: fb.host,
    port: fb.port,
    secure: fb.secure,
    connections: config.email.workerCount,
    logger: logger.child({ component: 'smtp', relay: 'fallback' }),
    dkim,
  });
}
