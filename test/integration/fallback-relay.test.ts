import { describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../dev/smtp-sink.js';
import { committedLag, metricValue, serviceEnv, startApp, until, useAppWorld } from '../support/app-harness.js';
import { signupValue } from '../support/pipeline.js';
import { useCleanup } from '../support/cleanup.js';

const ctx = useAppWorld({ partitions: 3 });
const cleanup = useCleanup();

async function fallbackSink(): Promise<SmtpSink> {
  const sink = await startSmtpSink();
  cleanup.push(() => sink.stop());
  return sink;
}

/** Produces the events `perSecond` a second (a batch every 100 ms). */
async function produceSteadily(ids: string[], perSecond: number): Promise<void> {
  for (let i = 0; i < ids.length; i += perSecond / 10) {
    const batch = ids.slice(i, i + perSecond / 10);
    await ctx.world.producer.send({ topic: ctx.world.topic, messages: batch.map((id) => ({ key: id, value: signupValue(id) })) });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a fallback SMTP relay (SMTP_FALLBACK_HOST)', () => {
  it('primary down for 20 s under load: everything goes out through the fallback, nothing dead-lettered or lost; traffic returns to the primary', async () => {
    const fallback = await fallbackSink();
    const env = serviceEnv(ctx.world, ctx.sink.port, {
      SMTP_FALLBACK_HOST: '127.0.0.1',
      SMTP_FALLBACK_PORT: String(fallback.port),
      SMTP_BREAKER_THRESHOLD: '3',
      SMTP_BREAKER_PROBE_INTERVAL_MS: '1000',
      EMAIL_WORKER_COUNT: '5',
      LOG_LEVEL: 'error',
    });
    ctx.app = await startApp(env);
    const ids = Array.from({ length: 600 }, (_, i) => `fb-${i}`);
    // 20/s for 30 s: the primary is down from 5 s to 25 s.
    const producing = produceSteadily(ids, 20);
    await until(() => ctx.sink.count >= 50, { what: 'the primary sending', timeoutMs: 30_000 });
    await ctx.sink.setDown(true);
    const downAt = Date.now();
    await until(() => fallback.count >= 100, { what: 'the fallback taking over', timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 20_000 - (Date.now() - downAt))));
    const primaryBefore = ctx.sink.count;
    await ctx.sink.setDown(false);
    await producing;
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0', timeoutMs: 60_000 });

    const delivered = new Set([...ctx.sink.received, ...fallback.received].map((mail) => mail.messageId));
    expect(ids.filter((id) => !delivered.has(`<${id}@acme.test>`))).toEqual([]);
    expect(await metricValue(ctx.app, 'email_dispatcher_dead_lettered_total', { reason: 'retries_exhausted' })).toBe(0);
    expect(await metricValue(ctx.app, 'email_dispatcher_relay_sends_total', { relay: 'fallback' })).toBeGreaterThan(100);
    // Back on the primary once it answers: it took the rest of the load.
    expect(ctx.sink.count).toBeGreaterThan(primaryBefore + 20);
    expect(await metricValue(ctx.app, 'email_dispatcher_relay_circuit_open', { relay: 'primary' })).toBe(0);
    expect(await metricValue(ctx.app, 'email_dispatcher_smtp_circuit_open')).toBe(0);
  });
});
