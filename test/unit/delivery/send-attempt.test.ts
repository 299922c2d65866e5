import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { sendAttempt } from '../../../src/delivery/send-attempt.js';
import type { PreparedMail } from '../../../src/email/compose-welcome-email.js';
import type { ClaimResult, SentLedger } from '../../../src/ledger/sent-ledger.js';
import { createMetrics } from '../../../src/platform/metrics.js';
import { buildReceipt } from '../../../src/settle/publish/receipt-message.js';
import type { Mailer } from '../../../src/smtp/mailer.js';
import { CircuitBreaker } from '../../../src/smtp/relays/circuit-breaker.js';
import { SmtpRelays } from '../../../src/smtp/relays/smtp-relays.js';
import { buildDispatcher, record, scriptedMailer, signupValue, silentLogger, smtpError } from '../../support/pipeline.js';
import { stubPrepared } from '../../support/stub-prepared.js';

const letter = (eventId: string) => ({ eventId, prepared: { mail: { messageId: `<${eventId}@acme.test>` } } as unknown as PreparedMail });
const go = { proceed: () => true, onExchange: () => {} };

function ledgerSaying(claim: ClaimResult) {
  return { claim: vi.fn(async () => claim), markSent: vi.fn(async () => {}), release: vi.fn(async () => {}), close: async () => {} } satisfies SentLedger;
}

function deps(mailer: Pick<Mailer, 'send'>, ledger: SentLedger) {
  return { mailer, ledger, metrics: createMetrics({ registry: new Registry(), defaults: false }), logger: silentLogger };
}

/** The primary relay down (its circuit open) and a fallback that refuses what `fallbackSend` says. */
function relaysWithPrimaryDown(fallbackSend: Mailer['send']) {
  const mailer = (send: Mailer['send']): Mailer => ({ prepare: async (mail) => stubPrepared(mail), send, verify: async () => {}, close: () => {} });
  const primary = mailer(async () => {
    throw smtpError(undefined, 'ECONNECTION');
  });
  const fallback = mailer(fallbackSend);
  const breaker = (m: Mailer, name: 'primary' | 'fallback') =>
    new CircuitBreaker({ threshold: 1, probeIntervalMs: 60_000, probe: () => m.verify(), onChange: (state) => relays.relayChanged(name, state) });
  const relays: SmtpRelays = new SmtpRelays({
    primary: { name: 'primary', mailer: primary, breaker: breaker(primary, 'primary') },
    fallback: { name: 'fallback', mailer: fallback, breaker: breaker(fallback, 'fallback') },
    metrics: createMetrics({ registry: new Registry(), defaults: false }),
    logger: silentLogger,
    onChange: () => {},
  });
  return relays;
}

describe('sendAttempt', () => {
  const stops: Array<() => void> = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
  });

  it('when the ledger remembers the original send › the duplicate carries its Message-ID and relay, and nothing is sent', async () => {
    const mailer = scriptedMailer();
    const ledger = ledgerSaying({ kind: 'already-sent', messageId: '<e-1@old-domain.test>', relay: 'fallback' });
    expect(await sendAttempt(deps(mailer, ledger), letter('e-1'), go)).toEqual({ kind: 'duplicate', messageId: '<e-1@old-domain.test>', relay: 'fallback' });
    expect(mailer.attempts).toHaveLength(0);
  });

  it("when the ledger only knows the event was sent (a record of an older release) › the duplicate carries this letter's Message-ID and no relay", async () => {
    const ledger = ledgerSaying({ kind: 'already-sent', messageId: undefined, relay: undefined });
    expect(await sendAttempt(deps(scriptedMailer(), ledger), letter('e-1'), go)).toEqual({ kind: 'duplicate', messageId: '<e-1@acme.test>', relay: undefined });
  });

  it('when the SMTP server accepts › the ledger records the Message-ID and the relay that answered', async () => {
    const ledger = ledgerSaying('claimed');
    const mailer = { send: async () => ({ reply: '250 ok', relay: 'fallback' }) };
    expect(await sendAttempt(deps(mailer, ledger), letter('e-1'), go)).toEqual({ kind: 'sent', smtpReply: '250 ok', relay: 'fallback' });
    expect(ledger.markSent).toHaveBeenCalledWith('e-1', { messageId: '<e-1@acme.test>', relay: 'fallback' });
  });

  it('when the fallback relay refuses the recipient while the primary is down › the failure names the fallback', async () => {
    const relays = relaysWithPrimaryDown(async () => {
      throw smtpError(554, undefined);
    });
    stops.push(() => relays.stop());
    const first = await sendAttempt(deps(relays, ledgerSaying('claimed')), letter('e-1'), go);
    expect(first).toMatchObject({ kind: 'failed', failure: { kind: 'transient', relay: 'primary' } });
    const second = await sendAttempt(deps(relays, ledgerSaying('claimed')), letter('e-1'), go);
    expect(second).toMatchObject({ kind: 'failed', failure: { kind: 'permanent', responseCode: 554, relay: 'fallback' } });
  });
});

describe('what a receipt says, from the send to the settled outcome', () => {
  const stops: Array<() => void> = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
  });
  const settledAt = new Date('2026-12-07T08:00:00.000Z');

  it('a dead letter refused by the fallback relay › relay fallback', async () => {
    const relays = relaysWithPrimaryDown(async () => {
      throw smtpError(550, undefined);
    });
    stops.push(() => relays.stop());
    const { dispatcher, submit, capacity, outcomes } = buildDispatcher({ mailer: relays, delaysMs: [1] });
    submit(record(signupValue('dl-1')));
    await capacity.whenEmpty(AbortSignal.timeout(5_000));
    dispatcher.close();
    const settled = outcomes[0];
    expect(settled?.outcome).toMatchObject({ kind: 'dead-letter', reason: 'smtp_permanent', smtpCode: 550 });
    expect(buildReceipt(settled!.record, settled!.outcome, { settledAt, relay: 'primary' })).toMatchObject({
      outcome: 'dead_lettered',
      smtpCode: 550,
      relay: 'fallback',
    });
  });

  it("a duplicate skipped after a crash › the original send's Message-ID and relay", async () => {
    const ledger = ledgerSaying({ kind: 'already-sent', messageId: '<dup-1@old-domain.test>', relay: 'fallback' });
    const { dispatcher, submit, capacity, outcomes } = buildDispatcher({ mailer: scriptedMailer(), ledger });
    submit(record(signupValue('dup-1')));
    await capacity.whenEmpty(AbortSignal.timeout(5_000));
    dispatcher.close();
    const settled = outcomes[0];
    expect(buildReceipt(settled!.record, settled!.outcome, { settledAt, relay: 'primary' })).toMatchObject({
      outcome: 'skipped_duplicate',
      messageId: '<dup-1@old-domain.test>',
      relay: 'fallback',
    });
  });
});
