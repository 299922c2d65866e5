import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../../src/platform/config/config.js';
import { chaosServiceEnv, SERVICE_SETTINGS } from '../../../test/chaos/service-env.js';

const base = { brokers: ['127.0.0.1:41000'], topic: 'chaos-x', dlqTopic: 'chaos-x.dlq', groupId: 'chaos-x.dispatcher', smtpPort: 2525 };

describe('chaosServiceEnv', () => {
  it('is a valid service configuration with the settings the checker reasons from', () => {
    const config = loadConfig(chaosServiceEnv(base));
    expect(config.email.workerCount).toBe(SERVICE_SETTINGS.workerCount);
    expect(config.email.workerBuffer).toBe(SERVICE_SETTINGS.buffer);
    expect(config.email.retryDelaysMs).toEqual(SERVICE_SETTINGS.retry.delaysMs);
    expect(config.email.maxRetries).toBe(SERVICE_SETTINGS.retry.maxRetries);
    expect(config.kafka.commitIntervalMs).toBe(SERVICE_SETTINGS.commitIntervalMs);
    expect(config.idempotency.redisUrl).toBe('');
  });

  it('with Redis › still valid: the sent ledger’s lease outlives the whole-send deadline', () => {
    const config = loadConfig(chaosServiceEnv({ ...base, redisUrl: 'redis://127.0.0.1:6390' }));
    expect(config.idempotency.redisUrl).toBe('redis://127.0.0.1:6390');
  });

  it('with every feature › valid: receipts, the fallback with its login, the cluster rate through Redis', () => {
    const config = loadConfig(
      chaosServiceEnv({
        ...base,
        redisUrl: 'redis://127.0.0.1:6390',
        receiptsTopic: 'chaos-x.receipts',
        fallback: { port: 2526, user: 'chaos-fallback', pass: 'secret' },
        clusterRate: { perSecond: 60, maxReplicas: 3, redisUrl: 'redis://127.0.0.1:6390' },
      }),
    );
    expect(config.kafka.receiptsTopic).toBe('chaos-x.receipts');
    expect(config.smtpFallback.host).toBe('127.0.0.1');
    expect(config.email.rateLimitScope).toBe('cluster');
    expect(config.email.rateLimitPerSecond).toBe(60);
  });
});
