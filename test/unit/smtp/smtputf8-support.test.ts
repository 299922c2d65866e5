import { describe, expect, it, vi } from 'vitest';

import { decideOnFailure } from '../../../src/delivery/failure-decision.js';
import { SmtpUtf8UnsupportedError } from '../../../src/platform/service-error.js';
import { classifySmtpError } from '../../../src/smtp/errors.js';
import { createSmtpUtf8Support, offersSmtpUtf8 } from '../../../src/smtp/smtputf8-support.js';
const POLICY = { maxRetries: 3, delaysMs: [1000, 5000, 10_000] };

const WITH = '250-relay.test\r\n250-PIPELINING\r\n250-SMTPUTF8\r\n250 8BITMIME';
const WITHOUT = '250-relay.test\r\n250-PIPELINING\r\n250 8BITMIME';

describe('createSmtpUtf8Support', () => {
  it('reads the EHLO keyword lines, not a mention of SMTPUTF8 in the greeting text', () => {
    expect([offersSmtpUtf8(WITH), offersSmtpUtf8(WITHOUT), offersSmtpUtf8('250-relay.test says no SMTPUTF8\r\n250 8BITMIME')]).toEqual([true, false, false]);
  });

  it('asks the relay once for every send waiting on the answer, and again after the answer expires', async () => {
    let t = 0;
    const ehlo = vi.fn(async () => WITHOUT);
    const support = createSmtpUtf8Support({ ehlo, ttlMs: 1000, now: () => t });
    expect(await Promise.all([support.offered(), support.offered(), support.offered()])).toEqual([false, false, false]);
    expect(ehlo).toHaveBeenCalledTimes(1);
    t = 999;
    await support.offered();
    expect(ehlo).toHaveBeenCalledTimes(1);
    t = 1000;
    ehlo.mockResolvedValueOnce(WITH);
    expect(await support.offered()).toBe(true);
    expect(ehlo).toHaveBeenCalledTimes(2);
  });

  it('when the relay cannot be asked › rejects with its error and asks again next time', async () => {
    const ehlo = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNECTION' }))
      .mockResolvedValue(WITH);
    const support = createSmtpUtf8Support({ ehlo });
    await expect(support.offered()).rejects.toMatchObject({ code: 'ECONNECTION' });
    expect(await support.offered()).toBe(true);
  });

  it('a send whose signal aborts stops waiting for the answer', async () => {
    const support = createSmtpUtf8Support({ ehlo: () => new Promise(() => {}) });
    const controller = new AbortController();
    const waiting = support.offered(controller.signal);
    controller.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
  });
});

describe('a relay without SMTPUTF8', () => {
  it('is a permanent failure of this message, dead-lettered as smtputf8_unsupported (not invalid_event or smtp_permanent)', () => {
    const failure = classifySmtpError(new SmtpUtf8UnsupportedError());
    expect(failure).toMatchObject({ kind: 'permanent', serverWide: false, code: 'ESMTPUTF8' });
    expect(decideOnFailure({ failure, attemptsBefore: 0, policy: POLICY, serverDown: false })).toEqual({
      kind: 'dead-letter',
      reason: 'smtputf8_unsupported',
      attempts: 1,
    });
  });
});
