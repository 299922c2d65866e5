import { readFileSync } from 'node:fs';
import { logLevel, Partitioners, type ConsumerConfig, type KafkaConfig, type ProducerConfig, type SASLOptions } from 'kafkajs';
import type { Config } from './config.js';
import { kafkaLogCreator } from './kafka-log.js';
import { fixKafkaJsNegativeTimeout } from './kafkajs-negative-timeout.js';
import type { Logger } from './logger.js';

/** The KafkaJS client options from config: brokers, TLS, SASL, logging through pino, retries. Shared by the service and the redrive CLI. */
export function kafkaClientConfig(config: Config, logger: Logger): KafkaConfig {
  fixKafkaJsNegativeTimeout();
  const { kafka } = config;
  const sasl = kafka.saslMechanism === '' ? undefined : ({ mechanism: kafka.saslMechanism, username: kafka.saslUsername, password: kafka.saslPassword } as SASLOptions);
  const ssl = kafka.ssl ? { rejectUnauthorized: kafka.sslRejectUnauthorized, ...(kafka.sslCaFile ? { ca: [readFileSync(kafka.sslCaFile, 'utf8')] } : {}) } : false;
  return {
    clientId: kafka.clientId,
    brokers: [...kafka.brokers],
    ssl,
    ...(sasl ? { sasl } : {}),
    logLevel: logLevel.INFO,
    logCreator: kafkaLogCreator(logger.child({ component: 'kafkajs' })),
    retry: { initialRetryTime: 300, maxRetryTime: 30_000, retries: 8 },
  };
}

/** The service's consumer: manual commits, small prefetch (memory outside EMAIL_WORKER_BUFFER). */
export function consumerConfig(config: Config): ConsumerConfig {
  return {
    groupId: config.kafka.groupId,
    sessionTimeout: config.kafka.sessionTimeoutMs,
    heartbeatInterval: config.kafka.heartbeatIntervalMs,
    allowAutoTopicCreation: false,
    maxBytesPerPartition: 1024 * 1024,
    maxBytes: 8 * 1024 * 1024,
    // The fetch long-poll bounds how long leaving the group waits at shutdown.
    maxWaitTimeInMs: 1000,
  };
}

/**
 * The DLQ producer: idempotent with acks=-1 (set per send), so a retried produce never writes the
 * record twice. KafkaJS requires unbounded retries for idempotence; the DLQ publisher's own wait is
 * cancellable and reports a stall.
 */
export const DLQ_PRODUCER_CONFIG: ProducerConfig = {
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: false,
  createPartitioner: Partitioners.DefaultPartitioner,
  retry: { initialRetryTime: 300, maxRetryTime: 30_000, retries: Number.MAX_SAFE_INTEGER },
};
