import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { loadConfig } from '../../../../src/platform/config/config.js';
import { checkKafkaTopics, configuredTopics } from '../../../../src/platform/kafka/topic-check.js';
import { ConfigError, ServiceError } from '../../../../src/platform/service-error.js';

const REQUIRED = { KAFKA_BROKERS: 'kafka-0:9092', SMTP_HOST: 'smtp.acme.test', EMAIL_FROM: 'Acme <welcome@acme.test>' };

/** An admin client whose broker knows `existing` topics. */
function fakeAdmin(existing: readonly string[] | 'silent') {
  return {
    connect: vi.fn(async () => {}),
    disconnect: vi.fn(async () => {}),
    listTopics: vi.fn(() => (existing === 'silent' ? new Promise<string[]>(() => {}) : Promise.resolve([...existing]))),
  };
}

const problemsOf = async (work: Promise<unknown>) => {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).problems;
};

describe('the start-up topic check', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('names every topic the service consumes or produces to, by its variable (receipts only when on)', () => {
    expect(configuredTopics(loadConfig(REQUIRED))).toEqual([
      { variable: 'KAFKA_TOPIC', topic: 'user-signups' },
      { variable: 'KAFKA_DLQ_TOPIC', topic: 'user-signups.dlq' },
    ]);
    expect(configuredTopics(loadConfig({ ...REQUIRED, KAFKA_RECEIPTS_TOPIC: 'user-signups.receipts' }))).toContainEqual({
      variable: 'KAFKA_RECEIPTS_TOPIC',
      topic: 'user-signups.receipts',
    });
  });

  it('when every topic exists › resolves and lets the admin connection go', async () => {
    const admin = fakeAdmin(['user-signups', 'user-signups.dlq', 'other']);
    await checkKafkaTopics({ admin, topics: configuredTopics(loadConfig(REQUIRED)) });
    expect(admin.disconnect).toHaveBeenCalledTimes(1);
  });

  it('when the receipts topic does not exist › a ConfigError, one line naming the variable and the topic', async () => {
    const admin = fakeAdmin(['user-signups', 'user-signups.dlq']);
    const topics = configuredTopics(loadConfig({ ...REQUIRED, KAFKA_RECEIPTS_TOPIC: 'user-signups.receipts' }));
    expect(await problemsOf(checkKafkaTopics({ admin, topics }))).toEqual([
      'KAFKA_RECEIPTS_TOPIC: topic "user-signups.receipts" does not exist on the brokers (or this client may not describe it); create it first',
    ]);
    expect(admin.disconnect).toHaveBeenCalledTimes(1);
  });

  it('when the source and DLQ topics are missing › one line each', async () => {
    const problems = await problemsOf(checkKafkaTopics({ admin: fakeAdmin([]), topics: configuredTopics(loadConfig(REQUIRED)) }));
    expect(problems.map((p) => p.split(':')[0])).toEqual(['KAFKA_TOPIC', 'KAFKA_DLQ_TOPIC']);
  });

  it('when the brokers do not answer › gives up after its bound with a retryable error, not a config error', async () => {
    const checked = checkKafkaTopics({ admin: fakeAdmin('silent'), topics: configuredTopics(loadConfig(REQUIRED)), timeoutMs: 30_000 }).catch(
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(30_000);
    const err = await checked;
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).not.toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ code: 'ERR_KAFKA_UNREACHABLE', retryable: true, message: 'Kafka did not answer the start-up topic check within 30000 ms' });
  });
});
