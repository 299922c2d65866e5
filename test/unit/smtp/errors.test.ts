import { describe, expect, it } from 'vitest';

import { truncate } from '../../../src/platform/truncate.js';
import { classifySmtpError, relayRefusalReason } from '../../../src/smtp/errors.js';

/** An error shaped like nodemailer's (lib/errors: `code`, `responseCode`, `command`). */
function smtpError(message: string, fields: { code?: string; responseCode?: number; command?: string } = {}): Error {
  return Object.assign(new Error(message), fields);
}

describe('classifySmtpError', () => {
  describe('fatal: the service itself is misconfigured', () => {
    it.each([
      ['EAUTH with 535', smtpError('Invalid login: 535 5.7.8 Authentication credentials invalid', { code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' })],
      ['a bare 535', smtpError('535 5.7.8 Authentication failed', { responseCode: 535 })],
      ['EAUTH without a response code', smtpError('Missing credentials for "PLAIN"', { code: 'EAUTH' })],
      ['ENOAUTH', smtpError('No auth', { code: 'ENOAUTH' })],
      ['530 authentication required', smtpError('530 5.7.0 Authentication required', { code: 'EENVELOPE', responseCode: 530 })],
      ['534 mechanism too weak', smtpError('534 5.7.9 Authentication mechanism is too weak', { responseCode: 534 })],
    ])('%s › fatal and server-wide', (_label, err) => {
      expect(classifySmtpError(err)).toMatchObject({ kind: 'fatal', serverWide: true });
    });
  });

  describe('permanent: this message can never be sent', () => {
    it.each([
      ['550 mailbox unavailable', smtpError('550 5.1.1 mailbox unavailable', { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' }), 550],
      ['553 mailbox name not allowed', smtpError('553 5.1.3 bad address', { code: 'EENVELOPE', responseCode: 553 }), 553],
      ['554 transaction failed', smtpError('554 5.7.1 rejected: spam', { code: 'EMESSAGE', responseCode: 554, command: 'DATA' }), 554],
      ['552 message too big', smtpError('552 5.3.4 message too big', { responseCode: 552 }), 552],
      ['EENVELOPE without a response code (no recipients)', smtpError('No recipients defined', { code: 'EENVELOPE' }), undefined],
      ['EMESSAGE without a response code', smtpError('Message failed', { code: 'EMESSAGE' }), undefined],
    ])('%s › permanent, for this recipient only', (_label, err, responseCode) => {
      expect(classifySmtpError(err)).toMatchObject({ kind: 'permanent', serverWide: false, responseCode });
    });
  });

  describe('transient for this message: retry it later', () => {
    it.each([
      ['451 local error', smtpError('451 4.3.0 try again later', { code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO' })],
      ['452 mailbox full', smtpError('452 4.2.2 mailbox full', { code: 'EENVELOPE', responseCode: 452 })],
      ['450 greylisted', smtpError('450 4.7.1 greylisted', { responseCode: 450 })],
    ])('%s › transient, not server-wide', (_label, err) => {
      expect(classifySmtpError(err)).toMatchObject({ kind: 'transient', serverWide: false });
    });

    it.each([
      ['an Error with no code', new Error('something odd')],
      ['a thrown string', 'boom'],
      ['undefined', undefined],
      ['null', null],
      ['a plain object', { message: 'weird' }],
      ['an unknown code', smtpError('??', { code: 'EWHATEVER' })],
    ])('%s › transient, not server-wide (a retry costs less than a wrong DLQ)', (_label, err) => {
      expect(classifySmtpError(err)).toMatchObject({ kind: 'transient', serverWide: false });
    });
  });

  describe('transient for the whole server: an outage, not one recipient', () => {
    it.each([
      ['421 service not available', smtpError('421 4.3.2 shutting down', { code: 'EENVELOPE', responseCode: 421 })],
      ['ECONNECTION', smtpError('Connection closed unexpectedly', { code: 'ECONNECTION' })],
      ['ETIMEDOUT', smtpError('Connection timeout', { code: 'ETIMEDOUT' })],
      ['ESOCKET', smtpError('read ECONNRESET', { code: 'ESOCKET' })],
      ['ECONNREFUSED', smtpError('connect ECONNREFUSED 127.0.0.1:2525', { code: 'ECONNREFUSED' })],
      ['ECONNRESET', smtpError('socket hang up', { code: 'ECONNRESET' })],
      ['EDNS', smtpError('getaddrinfo ENOTFOUND smtp', { code: 'EDNS' })],
      ['ETLS', smtpError('TLS failed', { code: 'ETLS' })],
      ['ESENDTIMEOUT (the whole send outlived SMTP_SEND_TIMEOUT_MS)', smtpError('SMTP send did not finish within 60000 ms', { code: 'ESENDTIMEOUT' })],
      ['ECONNECTION carrying a 421 greeting', smtpError('421 too many connections', { code: 'ECONNECTION', responseCode: 421 })],
    ])('%s › transient and server-wide', (_label, err) => {
      expect(classifySmtpError(err)).toMatchObject({ kind: 'transient', serverWide: true });
    });
  });

  it('keeps code and responseCode, and drops ones of the wrong type', () => {
    expect(classifySmtpError(smtpError('550 no', { code: 'EENVELOPE', responseCode: 550 }))).toMatchObject({ code: 'EENVELOPE', responseCode: 550 });
    expect(classifySmtpError(Object.assign(new Error('x'), { code: 42, responseCode: '550' }))).toMatchObject({
      code: undefined,
      responseCode: undefined,
      kind: 'transient',
    });
  });

  describe('the message', () => {
    it('when the server echoes the recipient › the address is scrubbed and the rest kept', () => {
      const { message } = classifySmtpError(smtpError('550 5.1.1 <bob@example.test>: no such user', { responseCode: 550 }));
      expect(message).not.toContain('bob@example.test');
      expect(message).toBe('550 5.1.1 <[address]>: no such user');
    });

    it('when several addresses appear › scrubs each', () => {
      const { message } = classifySmtpError(new Error('from=<a@x.test> to=bob@example.test,carol@example.test'));
      expect(message).not.toMatch(/@/);
    });

    it('when it is longer than 1 KiB › is cut to at most 1024 characters', () => {
      const { message } = classifySmtpError(smtpError(`451 ${'x'.repeat(5000)}`, { responseCode: 451 }));
      expect(message.length).toBeLessThanOrEqual(1024);
      expect(message.startsWith('451 xxx')).toBe(true);
    });

    it('when an address sits at the cut › it is scrubbed, not half kept', () => {
      const { message } = classifySmtpError(new Error(`${'x'.repeat(1015)} bob@example.test`));
      expect(message.length).toBeLessThanOrEqual(1024);
      expect(message).not.toContain('bob@');
    });

    it('when a non-Error is thrown › uses its string form', () => {
      expect(classifySmtpError('boom').message).toBe('boom');
    });
  });
});

describe('truncate', () => {
  it('leaves short text alone', () => {
    expect(truncate('abc', 3)).toBe('abc');
  });

  it('cuts long text to exactly max characters, ending in an ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
  });
});

describe('classifySmtpError › 5xx that refuse the session rather than a recipient', () => {
  it.each(['CONN', 'EHLO', 'MAIL FROM', 'AUTH PLAIN'])('a 5xx answering %s is fatal, so the backlog is not dead-lettered', (command) => {
    const failure = classifySmtpError(Object.assign(new Error('554 go away'), { code: 'EENVELOPE', responseCode: 554, command }));
    expect(failure.kind).toBe('fatal');
  });

  it.each(['RCPT TO', 'DATA'])('a 5xx answering %s is this message\u2019s permanent failure', (command) => {
    const failure = classifySmtpError(Object.assign(new Error('550 no such user'), { code: 'EENVELOPE', responseCode: 550, command }));
    expect(failure.kind).toBe('permanent');
  });
});

describe('relayRefusalReason › the relay refuses us, not this message', () => {
  it.each([
    ['a refused login', smtpError('Invalid login: 535 5.7.8 Authentication credentials invalid', { code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' })],
    [
      'a 5xx to our MAIL FROM',
      smtpError('553 5.7.1 Sender address rejected: not owned by user', { code: 'EENVELOPE', responseCode: 553, command: 'MAIL FROM' }),
    ],
    [
      '554 relay access denied at RCPT',
      smtpError("Can't send mail - all recipients were rejected: 554 5.7.1 <x@example.com>: Relay access denied", {
        code: 'EENVELOPE',
        responseCode: 554,
        command: 'RCPT TO',
      }),
    ],
    ['550 relaying denied at RCPT', smtpError('550 5.7.1 Relaying denied', { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' })],
    [
      'a certificate that does not verify',
      smtpError('self-signed certificate in certificate chain', { code: 'ETLS', originalCode: 'SELF_SIGNED_CERT_IN_CHAIN' } as never),
    ],
  ])('%s › a reason', (_label, err) => {
    expect(relayRefusalReason(err)).toEqual(expect.any(String));
  });

  it.each([
    [
      '550 user unknown at RCPT',
      smtpError('550 5.1.1 <x@example.com>: Recipient address rejected: User unknown', { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' }),
    ],
    ['554 at DATA (content)', smtpError('554 5.7.1 rejected: spam', { code: 'EMESSAGE', responseCode: 554, command: 'DATA' })],
    ['a refused connection', smtpError('connect ECONNREFUSED', { code: 'ESOCKET' })],
    ['451 at RCPT', smtpError('451 4.7.1 try later', { code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO' })],
  ])('%s › none', (_label, err) => {
    expect(relayRefusalReason(err)).toBeUndefined();
  });

  it('a certificate that does not verify is fatal on a live send, as at start (waiting cannot fix it)', () => {
    expect(
      classifySmtpError(smtpError('self-signed certificate in certificate chain', { code: 'ETLS', originalCode: 'SELF_SIGNED_CERT_IN_CHAIN' } as never)),
    ).toMatchObject({ kind: 'fatal', serverWide: true });
  });
});
