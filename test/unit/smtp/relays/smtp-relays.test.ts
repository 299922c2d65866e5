import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { PreparedMail } from '../../../../src/email/compose-welcome-email.js';
import { createLogger } from '../../../../src/platform/logger.js';
import { createMetrics } from '../../../../src/platform/metrics.js';
import { classifySmtpError, relayRefusalReason } from '../../../../src/smtp/errors.js';
import type { Mailer } from '../../../../src/smtp/mailer.js';
import { CircuitBreaker, type CircuitState } from '../../../../src/smtp/relays/circuit-breaker.js';
import { SmtpRelays } from '../../../../src/smtp/relays/smtp-relays.js';
import { silentLogger, smtpError } from '../../../support/pipeline.js';
import { stubPrepared } from '../../../support/stub-prepared.js';

/** How a relay answers: up, down (no connection), or refusing us whatever the message. */
type Answer = 'up' | 'down' | 'login-refused' | 'relay-denied' | 'certificate';

/** Errors shaped like nodemailer's for each refusal (code, responseCode, command; a TLS failure's originalCode). */
function refusal(answer: Exclude<Answer, 'up'>): Error {
  switch (answer) {
    case 'down':
      return smtpError(undefined, 'ECONNECTION');
    case 'login-refused':
      return Object.assign(new Error('Invalid login: 535 5.7.8 Authentication credentials invalid'), {
        code: 'EAUTH',
        responseCode: 535,
        command: 'AUTH PLAIN',
      });
    case 'relay-denied':
      return Object.assign(new Error("Can't send mail - all recipients were rejected: 554 5.7.1 <x@example.com>: Relay access denied"), {
        code: 'EENVELOPE',
        responseCode: 554,
        command: 'RCPT TO',
      });
    case 'certificate':
      return Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'ETLS', originalCode: 'SELF_SIGNED_CERT_IN_CHAIN' });
  }
}

/** A relay whose server answers as the test says; `verify` (the probe) logs in, so a relaying refusal does not show there. */
function relayMailer(name: string) {
  let answer: Answer = 'up';
  const sent: string[] = [];
  const mailer: Mailer = {
    prepare: async (mail) => stubPrepared(mail),
    send: async ({ mail }) => {
      if (answer !== 'up') throw refusal(answer);
      sent.push(mail.messageId);
      return { reply: `250 ok from ${name}` };
    },
    verify: async () => {
      if (answer !== 'up' && answer !== 'relay-denied') throw refusal(answer);
    },
    close: () => {},
  };
  return { mailer, sent, setUp: (value: boolean) => (answer = value ? 'up' : 'down'), answer: (value: Answer) => (answer = value) };
}

const prepared = (id: string) => ({ mail: { messageId: `<${id}@acme.test>` } }) as unknown as PreparedMail;

describe('SmtpRelays', () => {
  const stops: Array<() => void> = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
    vi.useRealTimers();
  });

  function setup(logger: Logger = silentLogger) {
    vi.useFakeTimers();
    const metrics = createMetrics({ registry: new Registry(), defaults: false });
    const changes: CircuitState[] = [];
    const primary = relayMailer('primary');
    const fallback = relayMailer('fallback');
    const fatal: string[] = [];
    const breaker = (m: Mailer, name: 'primary' | 'fallback') =>
      new CircuitBreaker({
        threshold: 2,
        probeIntervalMs: 1_000,
        probe: () => m.verify(),
        refusal: relayRefusalReason,
        onChange: (state) => relays.relayChanged(name, state),
        onRefused: (reason) => relays.relayRefused(name, reason),
      });
    const relays: SmtpRelays = new SmtpRelays({
      primary: { name: 'primary', mailer: primary.mailer, breaker: breaker(primary.mailer, 'primary') },
      fallback: { name: 'fallback', mailer: fallback.mailer, breaker: breaker(fallback.mailer, 'fallback') },
      metrics,
      logger,
      onChange: (state) => changes.push(state),
      onFatal: (reason) => fatal.push(reason),
    });
    stops.push(() => relays.stop());
    const circuit = async (relay: string) => (await metrics.relayCircuitOpen.get()).values.find((v) => v.labels.relay === relay)?.value;
    const refusals = async (relay: string) =>
      (await metrics.relayRefusals.get()).values.filter((v) => v.labels.relay === relay).reduce((sum, v) => sum + v.value, 0);
    return { relays, primary, fallback, changes, circuit, fatal, refusals };
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

  it('verify at start: a relay that does not answer is fine while the other answers', async () => {
    const { relays, primary } = setup();
    primary.setUp(false);
    await expect(relays.verify()).resolves.toBeUndefined();
    const fallbackDown = setup();
    fallbackDown.fallback.setUp(false);
    await expect(fallbackDown.relays.verify()).resolves.toBeUndefined();
  });

  it.each([
    ['primary', 'login-refused', 'EAUTH'],
    ['fallback', 'login-refused', 'EAUTH'],
    ['fallback', 'certificate', 'ETLS'],
  ] as const)('verify at start: the %s %s › rejects, naming that relay (even while the other answers)', async (relay, answer, code) => {
    const s = setup();
    s[relay].answer(answer);
    await expect(s.relays.verify()).rejects.toMatchObject({ code, relay });
  });

  it.each(['login-refused', 'relay-denied', 'certificate'] as const)(
    "the primary answers %s at runtime › the same send goes out through the fallback; the primary's circuit opens and the refusal is counted",
    async (answer) => {
      const { relays, primary, fallback, changes, circuit, refusals, fatal } = setup();
      primary.answer(answer);
      expect(await relays.send(prepared('a'))).toEqual({ reply: '250 ok from fallback', relay: 'fallback' });
      expect(fallback.sent).toEqual(['<a@acme.test>']);
      expect(await circuit('primary')).toBe(1);
      expect(await refusals('primary')).toBe(1);
      expect(relays.breaker.state).toBe('closed');
      expect({ changes, fatal }).toEqual({ changes: [], fatal: [] });
      // The next sends go to the fallback without trying the primary again.
      expect(await relays.send(prepared('b'))).toMatchObject({ relay: 'fallback' });
      expect(await refusals('primary')).toBe(1);
    },
  );

  it.each(['login-refused', 'relay-denied', 'certificate'] as const)(
    'the primary is down and the fallback answers %s › the send is held (never fatal, never permanent): both circuits open',
    async (answer) => {
      const { relays, primary, fallback, changes, circuit, fatal } = setup();
      primary.setUp(false);
      for (const id of ['a', 'b']) await relays.send(prepared(id)).catch(() => {});
      fallback.answer(answer);
      const err = await relays.send(prepared('c')).catch((e: unknown) => e);
      expect(classifySmtpError(err)).toMatchObject({ kind: 'transient', serverWide: true });
      expect(relays.breaker.recordServerFailure('held')).toBe(true);
      expect(await circuit('fallback')).toBe(1);
      expect({ changes, fatal }).toEqual({ changes: ['open'], fatal: [] });
      // The primary comes back: its probe closes its circuit and the held send goes out there.
      primary.setUp(true);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(changes).toEqual(['open', 'closed']);
      expect(await relays.send(prepared('c'))).toMatchObject({ relay: 'primary' });
    },
  );

  it("a 550 for one recipient stays permanent: it is not the relay's refusal", async () => {
    const { relays, primary, circuit } = setup();
    primary.mailer.send = async () => {
      throw Object.assign(new Error('550 5.1.1 <x@example.com>: Recipient address rejected: User unknown'), {
        code: 'EENVELOPE',
        responseCode: 550,
        command: 'RCPT TO',
      });
    };
    const err = await relays.send(prepared('a')).catch((e: unknown) => e);
    expect(classifySmtpError(err)).toMatchObject({ kind: 'permanent' });
    expect(await circuit('primary')).toBe(0);
  });

  it('both relays refuse our login (each after its previous password) › one fatal reason, the send is not dead-lettered', async () => {
    const { relays, primary, fallback, fatal } = setup();
    primary.answer('login-refused');
    fallback.answer('login-refused');
    const err = await relays.send(prepared('a')).catch((e: unknown) => e);
    expect(classifySmtpError(err)).toMatchObject({ kind: 'fatal' });
    expect(fatal).toEqual([]);
  });

  it("the primary refused our login and the fallback is down; the fallback's probe is then refused too › fatal once (waiting cannot fix it)", async () => {
    const { relays, primary, fallback, changes, fatal } = setup();
    primary.answer('login-refused');
    fallback.setUp(false);
    await relays.send(prepared('a')).catch(() => {});
    await relays.send(prepared('b')).catch(() => {});
    expect(changes).toEqual(['open']);
    expect(fatal).toEqual([]);
    await vi.advanceTimersByTimeAsync(3_000);
    // Down is worth waiting for; refused by both is not.
    expect(fatal).toEqual([]);
    fallback.answer('login-refused');
    await vi.advanceTimersByTimeAsync(3_000);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatch(/primary.*fallback/);
  });

  it('a refused relay whose probe logs in again (its password was rotated) › closes and takes traffic again', async () => {
    const { relays, primary, circuit } = setup();
    primary.answer('login-refused');
    await relays.send(prepared('a'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await circuit('primary')).toBe(1);
    primary.answer('up');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await circuit('primary')).toBe(0);
    expect(await relays.send(prepared('b'))).toMatchObject({ relay: 'primary' });
  });

  it('describes each relay for /readyz: circuit, since when, and why', async () => {
    const { relays, primary } = setup();
    primary.answer('login-refused');
    await relays.send(prepared('a'));
    expect(relays.describe()).toEqual({
      primary: { circuit: 'open', openSince: expect.any(String), refused: expect.stringMatching(/535/) },
      fallback: { circuit: 'closed' },
    });
  });

  it('a relay that refuses relaying is tried again after each probe (a probe only logs in) › the send still goes out through the other relay, and the refusal is logged once', async () => {
    const lines: Array<{ level: string | number; msg: string }> = [];
    const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
    const { relays, primary, fallback } = setup(logger);
    primary.answer('relay-denied');
    for (const id of ['a', 'b', 'c']) {
      expect(await relays.send(prepared(id))).toMatchObject({ relay: 'fallback' });
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(fallback.sent).toHaveLength(3);
    expect(lines.filter((l) => l.level === 'error')).toEqual([expect.objectContaining({ msg: expect.stringMatching(/^the primary SMTP relay refuses us/) })]);
  });
});
