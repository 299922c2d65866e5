import { describe, expect, it } from 'vitest';

import { type SmtpSink, type SmtpSinkOptions, startSmtpSink } from '../../dev/smtp-sink.js';
import { committedLag, metricValue, serviceEnv, startApp, until, useAppWorld } from '../support/app-harness.js';
import { useCleanup } from '../support/cleanup.js';
import { signupValue } from '../support/pipeline.js';

const ctx = useAppWorld({ partitions: 3 });
const cleanup = useCleanup();

async function fallbackSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const sink = await startSmtpSink(options);
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

/** Emails the two relays accepted more than once between them: at most the sends in flight when a relay went away. */
function duplicatesAcross(...sinks: SmtpSink[]): number {
  const ids = sinks.flatMap((sink) => sink.received.map((mail) => mail.messageId));
  return ids.length - new Set(ids).size;
}

const WORKERS = 5;

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
    // A send in flight when the primary went away may have reached it and then the fallback: no more.
    expect(duplicatesAcross(ctx.sink, fallback)).toBeLessThanOrEqual(WORKERS);
  });

  /**
   * The primary goes down for 8 s under load while the fallback refuses what we send it: the fallback's
   * circuit opens (metric, /readyz), sends hold until the primary answers, and the service neither
   * stops nor dead-letters (it exited five times in a row).
   */
  async function primaryDownWhileTheFallbackRefuses(fallback: SmtpSink, refuse: () => void, env: Record<string, string> = {}) {
    ctx.app = await startApp(
      serviceEnv(ctx.world, ctx.sink.port, {
        SMTP_FALLBACK_HOST: '127.0.0.1',
        SMTP_FALLBACK_PORT: String(fallback.port),
        SMTP_BREAKER_THRESHOLD: '3',
        SMTP_BREAKER_PROBE_INTERVAL_MS: '500',
        EMAIL_WORKER_COUNT: String(WORKERS),
        LOG_LEVEL: 'error',
        ...env,
      }),
    );
    const app = ctx.app;
    let stopped = false;
    void app.done.then(() => (stopped = true));
    const ids = Array.from({ length: 300 }, (_, i) => `refused-${i}`);
    const producing = produceSteadily(ids, 20);
    await until(() => ctx.sink.count >= 30, { what: 'the primary sending', timeoutMs: 30_000 });
    refuse();
    await ctx.sink.setDown(true);
    const relays = () => app.health.readiness().smtpRelays as Record<string, { circuit: string; refused?: string }> | undefined;
    await until(() => relays()?.fallback?.refused !== undefined, { what: "the fallback's circuit open on its refusal, on /readyz", timeoutMs: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    await ctx.sink.setDown(false);
    await producing;
    await until(async () => (await committedLag(ctx.world)) === 0, { what: 'committed lag 0', timeoutMs: 60_000 });

    expect(stopped).toBe(false);
    const delivered = new Set([...ctx.sink.received, ...fallback.received].map((mail) => mail.messageId));
    expect(ids.filter((id) => !delivered.has(`<${id}@acme.test>`))).toEqual([]);
    expect(await metricValue(app, 'email_dispatcher_dead_lettered_total')).toBe(0);
    expect(await metricValue(app, 'email_dispatcher_relay_refusals_total', { relay: 'fallback' })).toBeGreaterThanOrEqual(1);
    expect(duplicatesAcross(ctx.sink, fallback)).toBeLessThanOrEqual(WORKERS);
  }

  it('primary down under load while the fallback refuses our login (its password changed at the server) › the service holds and carries on once the primary answers: no exit, nothing dead-lettered or lost', async () => {
    const fallback = await fallbackSink({ auth: { user: 'mailer', pass: 'Fallback-Old-1' } });
    await primaryDownWhileTheFallbackRefuses(fallback, () => fallback.setAuth({ user: 'mailer', pass: 'Fallback-New-2' }), {
      SMTP_FALLBACK_USER: 'mailer',
      SMTP_FALLBACK_PASS: 'Fallback-Old-1',
    });
    expect(fallback.authFailures).toBeGreaterThanOrEqual(1);
    expect(fallback.count).toBe(0);
  });

  it('primary down under load while the fallback answers 554 "relay access denied" at RCPT › no recipient dead-lettered; all sent through the primary once it answers', async () => {
    const fallback = await fallbackSink();
    await primaryDownWhileTheFallbackRefuses(fallback, () =>
      fallback.failNext(1_000_000, 554, '5.7.1 <user@example.com>: Relay access denied', { at: 'rcpt' }),
    );
    expect(fallback.rejected).toBeGreaterThanOrEqual(1);
  });
});
