import type { Kafka } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';

import { createLogger } from '../../../src/platform/logger.js';
import { RedriveError } from '../../../src/platform/service-error.js';
import { runRedrive } from '../../../src/redrive/run-redrive.js';

describe('runRedrive', () => {
  it('gives up within --connect-timeout when Kafka never answers, reading and committing nothing', async () => {
    const consumer = vi.fn();
    const admin = { connect: () => new Promise<void>(() => {}), disconnect: vi.fn(async () => {}) };
    const kafka = { admin: () => admin, consumer, producer: vi.fn() } as unknown as Kafka;
    const started = performance.now();
    const summary = await runRedrive({
      kafka,
      options: {
        selection: { reasons: [], since: undefined, until: undefined, partitions: [], fromOffset: undefined, toOffset: undefined, eventIds: [] },
        limit: undefined,
        maxRedrives: 3,
        ratePerSecond: 0,
        dryRun: false,
        group: 'g.redrive',
        dlqTopic: 'dlq',
        connectTimeoutMs: 50,
      },
      logger: createLogger({ level: 'silent' }),
    });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(summary.stoppedBy).toBe('error');
    expect(summary.error).toBeInstanceOf(RedriveError);
    expect((summary.error as RedriveError).code).toBe('ERR_REDRIVE_BROKER_UNREACHABLE');
    expect(summary.examined).toBe(0);
    expect(consumer).not.toHaveBeenCalled();
    expect(admin.disconnect).toHaveBeenCalled();
  });
});
