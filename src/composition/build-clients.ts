import { Kafka, type Consumer, type Producer } from 'kafkajs';
import { Redis } from 'ioredis';
import { createSmtpMailer, type Mailer } from '../delivery/mailer.js';
import { createRedisSentLedger, REDIS_LEDGER_CLIENT_OPTIONS } from '../delivery/redis-sent-ledger.js';
import { noLedger, type SentLedger } from '../delivery/sent-ledger.js';
import type { Config } from '../platform/config.js';
import { consumerConfig, DLQ_PRODUCER_CONFIG, kafkaClientConfig } from '../platform/kafka-client-config.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';

/** The service's connections to the outside: Kafka (consumer and DLQ producer), SMTP, the sent ledger's Redis. */
export interface Clients {
  readonly consumer: Consumer;
  readonly producer: Producer;
  readonly mailer: Mailer;
  readonly ledger: SentLedger;
}

/** Builds the real clients from config; `overrides` replace the mailer or ledger (tests). Nothing connects yet. */
export function buildClients(config: Config, logger: Logger, metrics: Metrics, overrides: { mailer?: Mailer; ledger?: SentLedger }): Clients {
  const kafka = new Kafka(kafkaClientConfig(config, logger));
  const { idempotency } = config;
  return {
    consumer: kafka.consumer(consumerConfig(config)),
    producer: kafka.producer(DLQ_PRODUCER_CONFIG),
    mailer: overrides.mailer ?? createSmtpMailer({ ...config.smtp, connections: config.email.workerCount }),
    ledger:
      overrides.ledger ??
      (idempotency.redisUrl === ''
        ? noLedger
        : createRedisSentLedger({ redis: new Redis(idempotency.redisUrl, REDIS_LEDGER_CLIENT_OPTIONS), ...idempotency, metrics, logger: logger.child({ component: 'sent-ledger' }) })),
  };
}
