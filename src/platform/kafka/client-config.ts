import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';

import { type ConsumerConfig, type KafkaConfig, logLevel, Partitioners, type ProducerConfig, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';

import type { Config } from '../config/schema.js';
import { logSecretFileEvent, watchSecretFile } from '../config/secret-file.js';
import { fixKafkaJsNegativeTimeout } from './kafkajs-negative-timeout.js';
import { kafkaLogCreator } from './log.js';

/** The KafkaJS client options from config: brokers, TLS, SASL, logging through pino, retries. Shared by the service and the redrive CLI. */
export function kafkaClientConfig(config: Config, logger: Logger): KafkaConfig {
  fixKafkaJsNegativeTimeout();
  const { kafka } = config;
  const ssl = kafkaTlsOptions(config);
  const sasl = kafka.saslMechanism === '' ? undefined : saslOptions(config, logger);
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

/**
 * TLS to the brokers (false: plaintext). The CA bundle, and for mutual TLS the client certificate and
 * its key, are read once here; loadConfig has checked that they are readable PEM and belong together.
 * A new client certificate takes effect with the next start (a rollout restart).
 */
export function kafkaTlsOptions({ kafka }: Config): ConnectionOptions | false {
  if (!kafka.ssl) return false;
  return {
    rejectUnauthorized: kafka.sslRejectUnauthorized,
    ...(kafka.sslCaFile ? { ca: [readFileSync(kafka.sslCaFile, 'utf8')] } : {}),
    ...(kafka.sslCertFile ? { cert: readFileSync(kafka.sslCertFile, 'utf8'), key: readFileSync(kafka.sslKeyFile, 'utf8') } : {}),
  };
}

/**
 * SASL options whose password is read at every authentication: KafkaJS's PLAIN and SCRAM
 * authenticators take it from this object when a connection authenticates, so with
 * KAFKA_SASL_PASSWORD_FILE a rotated Secret is used by the next connection, without a restart.
 * Connections already authenticated stay as they are (the broker checks a password only at login).
 */
function saslOptions({ kafka }: Config, logger: Logger): SASLOptions {
  const log = logger.child({ component: 'kafka-sasl' });
  const secret =
    kafka.saslPasswordFile === ''
      ? undefined
      : watchSecretFile({
          variable: 'KAFKA_SASL_PASSWORD',
          file: kafka.saslPasswordFile,
          initial: kafka.saslPassword,
          onEvent: (event) => logSecretFileEvent(log, event),
        });
  const options = { mechanism: kafka.saslMechanism, username: kafka.saslUsername };
  // Not enumerable: a logged or serialized client config never shows it.
  Object.defineProperty(options, 'password', { enumerable: false, get: () => secret?.read() ?? kafka.saslPassword });
  return options as SASLOptions;
}

/**
 * `partitionsConsumedConcurrently`: every fetched partition's batch is handed to intake at once, so
 * when the buffer is full they wait for space side by side and the buffer admits from each in turn
 * (its waiters are served first come, first served). With one at a time, the first partition's whole
 * batch (up to `maxBytesPerPartition`, thousands of events) went first: after a restart the records a
 * crashed instance had in flight, at the front of every partition, waited behind it for minutes.
 * KafkaJS rejoins only once every batch in process returned, so each batch heartbeats on schedule
 * (batch-handler.ts). Above the partitions a member owns costs nothing (one idle worker object each).
 */
export const PARTITIONS_CONSUMED_CONCURRENTLY = 256;

/** The service's consumer: manual commits, small prefetch (memory outside EMAIL_WORKER_BUFFER). */
export function consumerConfig(config: Config): ConsumerConfig {
  return {
    groupId: config.kafka.groupId,
    sessionTimeout: config.kafka.sessionTimeoutMs,
    heartbeatInterval: config.kafka.heartbeatIntervalMs,
    // How soon partitions added to the topic are seen: KafkaJS rejoins the group once a refresh shows them.
    metadataMaxAge: config.kafka.metadataMaxAgeMs,
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
