import { describe, expect, it } from 'vitest';

import type { App } from '../../../src/app.js';
import { committedLag, metricValue, produceEvents, readDlq, serviceEnv, startApp, until, useAppWorld } from '../../support/app-harness.js';
import { scaled } from '../../support/fault-scale.js';

const ctx = useAppWorld({ sink: { store: false } });

const outageMs = scaled(6_000, 30_000);

describe.each(['refuse', 'reply-421'] as const)('SMTP outage mid-load (%s)', (mode) => {
  it(`when the SMTP server is unavailable for ${outageMs / 1000} s › pauses, spends no attempts, dead-letters nothing, then delivers everything`, async () => {
    const ids = Array.from({ length: scaled(400, 3_000) }, (_, i) => `out-${mode}-${i}`);
    await produceEvents(ctx.world, ids);
    ctx.sink.setLatency(10);
    ctx.app = await startApp(
      serviceEnv(ctx.world, ctx.sink.port, { SMTP_BREAKER_PROBE_INTERVAL_MS: '500', SMTP_TIMEOUT_MS: '3000', EMAIL_WORKER_BUFFER: '50' }),
    );
    await until(() => ctx.sink.count >= 50, { what: '50 mails before the outage' });
    await ctx.sink.setDown(true, mode);
    await until(async () => (await metricValue(ctx.app as App, 'email_dispatcher_smtp_circuit_open')) === 1, { what: 'circuit open', timeoutMs: 20_000 });
    const duringOutage = ctx.sink.count;
    await new Promise((r) => setTimeout(r, outageMs));
    expect(await metricValue(ctx.app, 'email_dispatcher_smtp_circuit_open')).toBe(1);
    expect(await metricValue(ctx.app, 'email_dispatcher_dead_lettered_total')).toBe(0);
    expect(ctx.app.health.liveness().ok).toBe(true);
    expect(ctx.sink.count).toBe(duringOutage);
    await ctx.sink.setDown(false);
    await until(() => ids.every((id) => ctx.sink.seen(`<${id}@acme.test>`)), { what: 'every event delivered', timeoutMs: 60_000 });
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0' });
    expect(await metricValue(ctx.app, 'email_dispatcher_smtp_circuit_open')).toBe(0);
    expect(await metricValue(ctx.app, 'email_dispatcher_dead_lettered_total')).toBe(0);
    expect(await readDlq(ctx.world, { expect: 1, timeoutMs: 3_000 })).toEqual([]);
    expect(ctx.sink.duplicates).toBe(0);
  });
});
