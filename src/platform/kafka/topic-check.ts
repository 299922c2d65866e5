import type { Admin } from 'kafkajs';

import type { Config } from '../config/schema.js';
import { ConfigError, ServiceError } from '../service-error.js';

/** A topic the service reads or writes, and the variable that names it. */
export interface ConfiguredTopic {
  readonly variable: string;
  readonly topic: string;
}

export interface KafkaTopicCheckOptions {
  /** Connected here and let go again (not to be connected again: KafkaJS may fail a quick reconnect). */
  readonly admin: Pick<Admin, 'connect' | 'disconnect' | 'listTopics'>;
  readonly topics: readonly ConfiguredTopic[];
  /** The brokers must answer within this; KafkaJS's own connect retries would take minutes. @default 30000 */
  readonly timeoutMs?: number;
}

/** Every topic the service consumes or produces to: source, DLQ and (when on) receipts. */
export function configuredTopics({ kafka }: Config): ConfiguredTopic[] {
  return [
    { variable: 'KAFKA_TOPIC', topic: kafka.topic },
    { variable: 'KAFKA_DLQ_TOPIC', topic: kafka.dlqTopic },
    ...(kafka.receiptsTopic === '' ? [] : [{ variable: 'KAFKA_RECEIPTS_TOPIC', topic: kafka.receiptsTopic }]),
  ];
}

/**
 * Checks at start that every configured topic exists. With auto-creation off (the norm in
 * production) KafkaJS treats a missing topic as a retriable metadata error: a publish to it would
 * wait for ever and a subscription would never fetch. Asks for the list of topics, which never
 * creates one even where the brokers would.
 *
 * @throws ConfigError one line per missing topic, naming its variable (exit 2)
 * @throws ServiceError `ERR_KAFKA_UNREACHABLE` when the brokers do not answer within `timeoutMs`
 */
export async function checkKafkaTopics({ admin, topics, timeoutMs = 30_000 }: KafkaTopicCheckOptions): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ServiceError('ERR_KAFKA_UNREACHABLE', `Kafka did not answer the start-up topic check within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  let existing: Set<string>;
  try {
    existing = await Promise.race([
      (async () => {
        await admin.connect();
        return new Set(await admin.listTopics());
      })(),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
    // A broker that never answered gets 2 s more to let go, not minutes.
    await Promise.race([admin.disconnect().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 2_000).unref?.())]);
  }
  const problems = topics
    .filter(({ topic }) => !existing.has(topic))
    .map(
      ({ variable, topic }) =>
        `${variable}: topic ${JSON.stringify(topic)} does not exist on the brokers (or this client may not describe it); create it first`,
    );
  if (problems.length > 0) throw new ConfigError(problems);
}
