import { describe, expect, it } from 'vitest';

import { committedLag, metricValue, produceEvents, serviceEnv, startApp, until, useAppWorld } from '../../support/app-harness.js';

const ctx = useAppWorld({ sink: { store: false } });

describe('SMTP slower than the consumer session timeout', () => {
  it('causes no rebalance loop, and everything is delivered once', async () => {
    ctx.sink.setLatency(8_000);
    const ids = Array.from({ length: 30 }, (_, i) => `slow-${i}`);
    await produceEvents(ctx.world, ids);
    // 6 s is the broker's minimum session timeout; every send takes 8 s.
    ctx.app = await startApp(
      serviceEnv(ctx.world, ctx.sink.port, {
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
        EMAIL_WORKER_COUNT: '10',
        EMAIL_WORKER_BUFFER: '10',
        SMTP_TIMEOUT_MS: '20000',
      }),
    );
    await ctx.sink.waitFor(ids.length, { timeoutMs: 90_000 });
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0' });
    expect(await metricValue(ctx.app, 'email_dispatcher_kafka_rebalances_total')).toBe(0);
    expect(ctx.sink.duplicates).toBe(0);
  });
});
