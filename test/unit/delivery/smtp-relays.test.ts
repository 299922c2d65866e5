import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, type CircuitState } from '../../../src/delivery/circuit-breaker.js';
import type { Mailer, PreparedMail } from '../../../src/delivery/mailer.js';
import { SmtpRelays } from '../../../src/delivery/smtp-relays.js';
import { createMetrics } from '../../../src/platform/metrics.js';
import { silentLogger, smtpError } from '../../support/pipeline.js';

/** A relay whose server is up or down as the test says. */
function relayMailer(name: string) {
  let up = true;
  const sent: string[] = [];
  const mailer: Mailer = {
    prepare: async (mail) => ({ mail }),
    send: async ({ mail }) => {
      if (!up) throw smtpError(undefined, 'ECONNECTION');
      sent.push(mail.messageId);
      return { reply: `250 ok from ${name}` };
    },
    verify: async () => {
      if (!up) throw smtpError(undefined, 'ECONNECTION');
    },
    close: () => {},
  };
  return { mailer, sent, setUp: (value: boolean) => (up = value) };
}

const prepared = (id: string) => ({ mail: { messageId: `<${id}@acme.test>` } }) as unknown as PreparedMail;

describe('SmtpRelays', () => {
  const stops: Array<() => void> = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
    vi.useRealTimers();
  });

  function setup() {
    vi.useFakeTimers();
    const metrics = createMetrics({ registry: new Registry(), defaults: false });
    const changes: CircuitState[] = [];
    const primary = relayMailer('primary');
    const fallback = relayMailer('fallback');
    const breaker = (m: Mailer, name: 'primary' | 'fallback') => new CircuitBreaker({ threshold: 2, probeIntervalMs: 1_000, probe: () => m.verify(), onChange: (state) => relays.relayChanged(name, state) });
    const relays: SmtpRelays = new SmtpRelays({
      primary: { name: 'primary', mailer: primary.mailer, breaker: breaker(primary.mailer, 'primary') },
      fallback: { name: 'fallback', mailer: fallback.mailer, breaker: breaker(fallback.mailer, 'fallback') },
      metrics,
      logger: silentLogger,
      onChange: (state) => changes.push(state),
    });
    stops.push(() => relays.stop());
    const circuit = async (relay: string) => (await metrics.relayCircuitOpen.get()).values.find((v) => v.labels.relay === relay)?.value;
    return { relays, primary, fallback, changes, circuit };
  }

  it('sends through the primary, then the fallback while the primary is down, then the primary again once its probe answers', async () => {
    const { relays, primary, fallback, changes, circuit } = setup();
    expect(await relays.send(prepared('a'))).toEqual({ reply: '250 ok from primary', relay: 'primary' });
    primary.setUp(false);
    await expect(relays.send(prepared('b'))).rejects.toThrow();
    await expect(relays.send(prepared('c'))).rejects.toThrow();
    expect(await circuit('primary')).toBe(1);
    expect(await relays.send(prepared('d'))).toEqual({ reply: '250 ok from fallback', relay: 'fallback' });
    // The dispatcher does not hold: one relay still answers.
    expect(relays.breaker.state).toBe('closed');
    expect(changes).toEqual([]);
    primary.setUp(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await circuit('primary')).toBe(0);
    expect(await relays.send(prepared('e'))).toMatchObject({ relay: 'primary' });
    expect(primary.sent).toEqual(['<a@acme.test>', '<e@acme.test>']);
    expect(fallback.sent).toEqual(['<d@acme.test>']);
  });

  it('both down: the breaker the dispatcher sees opens (hold), and closes when either answers', async () => {
    const { relays, primary, fallback, changes } = setup();
    primary.setUp(false);
    fallback.setUp(false);
    for (const id of ['a', 'b', 'c', 'd']) await relays.send(prepared(id)).catch(() => {});
    expect(relays.breaker.state).toBe('open');
    expect(relays.breaker.recordServerFailure('x')).toBe(true);
    expect(changes).toEqual(['open']);
    await expect(relays.send(prepared('e'))).rejects.toMatchObject({ code: 'ECONNECTION' });
    fallback.setUp(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(changes).toEqual(['open', 'closed']);
    expect(await relays.send(prepared('f'))).toMatchObject({ relay: 'fallback' });
  });

  it('verify: the primary, or the fallback when the primary does not answer; refused credentials stay fatal', async () => {
    const { relays, primary } = setup();
    primary.setUp(false);
    await expect(relays.verify()).resolves.toBeUndefined();
    const refused = setup();
    refused.primary.mailer.verify = async () => {
      throw smtpError(535, 'EAUTH');
    };
    await expect(refused.relays.verify()).rejects.toMatchObject({ code: 'EAUTH' });
  });
});
