import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { loadConfig } from '../../../src/platform/config/config.js';
import { createMetrics } from '../../../src/platform/metrics.js';
import { createReadiness } from '../../../src/readiness/readiness.js';
import { silentLogger } from '../../support/pipeline.js';

const LIVENESS_STALL_MS = 300_000;

/** A joined, verified service with work held; `world.stalled` publishes are past their bound. */
function setup() {
  const config = loadConfig({
    KAFKA_BROKERS: 'kafka-0:9092',
    SMTP_HOST: 'smtp.acme.test',
    EMAIL_FROM: 'Acme <welcome@acme.test>',
    LIVENESS_STALL_MS: String(LIVENESS_STALL_MS),
  });
  const world = { stalled: 0, commitBlocked: false };
  const readiness = createReadiness({
    config,
    metrics: createMetrics({ registry: new Registry(), defaults: false }),
    logger: silentLogger,
    sources: {
      joined: () => true,
      inGroup: () => true,
      blockedPartitions: () => 0,
      circuitOpen: () => false,
      hasWork: () => true,
      stopping: () => false,
      stalledPublishes: () => world.stalled,
      commitBlocked: () => world.commitBlocked,
    },
  });
  readiness.health.setSmtpVerified(true);
  readiness.update();
  /** Time passes with the brokers answering heartbeats and fetches, and nothing settling. */
  const pass = (ms: number) => {
    for (let left = ms; left > 0; left -= 1_000) {
      vi.advanceTimersByTime(Math.min(1_000, left));
      readiness.contact.touch();
    }
  };
  return { readiness, world, pass };
}

describe('readiness and liveness', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('while a DLQ or receipt publish is stalled › /readyz fails, and /livez holds however long Kafka takes (a restart would only send again)', () => {
    const { readiness, world, pass } = setup();
    expect(readiness.health.readiness().ok).toBe(true);
    world.stalled = 1;
    readiness.update();
    expect(readiness.health.readiness()).toMatchObject({ ok: false, stalledPublishes: 1 });
    readiness.health.liveness();
    pass(LIVENESS_STALL_MS * 3);
    expect(readiness.health.liveness()).toMatchObject({ ok: true, waitingOnDependency: true });
    world.stalled = 0;
    readiness.update();
    expect(readiness.health.readiness().ok).toBe(true);
  });

  it('while sends are held for commits the broker does not confirm › /readyz fails, and /livez holds (a restart would send every uncommitted email again)', () => {
    const { readiness, world, pass } = setup();
    world.commitBlocked = true;
    readiness.update();
    expect(readiness.health.readiness()).toMatchObject({ ok: false, commitBlocked: true });
    readiness.health.liveness();
    pass(LIVENESS_STALL_MS * 3);
    expect(readiness.health.liveness()).toMatchObject({ ok: true, waitingOnDependency: true });
    world.commitBlocked = false;
    readiness.update();
    expect(readiness.health.readiness()).toMatchObject({ ok: true, commitBlocked: false });
  });

  it('with nothing stalled and nothing settling › /livez fails after LIVENESS_STALL_MS', () => {
    const { readiness, pass } = setup();
    readiness.health.liveness();
    pass(LIVENESS_STALL_MS + 1_000);
    expect(readiness.health.liveness()).toMatchObject({ ok: false, waitingOnDependency: false });
  });
});
