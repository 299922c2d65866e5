import { describe, expect, it, vi } from 'vitest';

import { signupEvent } from '../../../dev/signup-event.js';
import { type SmtpSink, startSmtpSink } from '../../../dev/smtp-sink.js';
import { composeWelcomeEmail } from '../../../src/email/compose-welcome-email.js';
import { renderWelcomeEmail } from '../../../src/email/render-welcome-email.js';
import { classifySmtpError } from '../../../src/smtp/errors.js';
import { createSmtpMailer, type Mailer, type SmtpMailerOptions } from '../../../src/smtp/mailer.js';
import { useCleanup } from '../../support/cleanup.js';

const SITE = { from: 'Acme <welcome@acme.test>', domain: 'acme.test' };
const signup = (eventId: string, name = 'Zoë O’Hara') =>
  renderWelcomeEmail(signupEvent(eventId, { occurredAt: '2024-05-01T12:30:00Z', user: { id: 'u-1', email: 'zoe@example.test', name } }), SITE);

const cleanup = useCleanup();

const PLAIN = { secure: false, requireTls: false, tlsRejectUnauthorized: true, user: '', pass: '' } as const;

function mailerFor(server: { host: string; port: number }, options: Partial<SmtpMailerOptions> = {}): Mailer {
  const mailer = createSmtpMailer({ ...PLAIN, host: server.host, port: server.port, timeoutMs: 5_000, sendTimeoutMs: 10_000, connections: 2, ...options });
  cleanup.push(() => mailer.close());
  return mailer;
}

async function stack(): Promise<{ sink: SmtpSink; mailer: Mailer }> {
  const sink = await startSmtpSink();
  cleanup.push(() => sink.stop());
  return { sink, mailer: mailerFor(sink) };
}

/**
 * The sink stalling `replyDelayMs` before its reply to MAIL FROM, RCPT TO and the end of data: each
 * wait stays under a per-phase timeout, the sum does not. (smtp-server itself holds the greeting back
 * 100 ms to catch early talkers.)
 */
async function startStallingSink({ replyDelayMs }: { replyDelayMs: number }): Promise<SmtpSink> {
  const sink = await startSmtpSink({ latencyMs: { mail: replyDelayMs, rcpt: replyDelayMs, data: replyDelayMs } });
  cleanup.push(() => sink.stop());
  return sink;
}

/** Message-IDs of the mails the sink accepted. */
const received = (sink: SmtpSink): Array<string | undefined> => sink.received.map((mail) => mail.messageId);

describe('composeWelcomeEmail', () => {
  it('builds the whole message before any connection: bytes, Message-ID and a one-recipient envelope', async () => {
    const prepared = await composeWelcomeEmail(signup('evt-1'));
    expect(prepared.envelope).toEqual({ from: 'welcome@acme.test', to: ['zoe@example.test'] });
    const raw = prepared.raw.toString('utf8');
    expect(raw).toMatch(/^Message-ID: <evt-1@acme\.test>\r$/m);
    expect(raw).toMatch(/^Date: /m);
    expect(raw).toContain('multipart/alternative');
  });

  it('rejects an email with a sender it cannot put in the envelope', async () => {
    await expect(composeWelcomeEmail({ ...signup('evt-2'), from: 'no address here' })).rejects.toThrow('no sender');
  });
});

describe('createSmtpMailer', () => {
  it('sends the prepared bytes: the server receives the rendered email, decoded intact', async () => {
    const { sink, mailer } = await stack();
    const mail = signup('evt-3');
    await mailer.send(await mailer.prepare(mail));
    await sink.waitFor(1);
    const [got] = sink.received;
    expect(got?.envelope).toEqual({ from: 'welcome@acme.test', to: ['zoe@example.test'] });
    expect(got?.messageId).toBe('<evt-3@acme.test>');
    expect(got?.subject).toBe(mail.subject);
    expect(got?.to).toBe('Zoë O’Hara <zoe@example.test>');
    expect(got?.text?.trim()).toBe(mail.text);
    expect(got?.html?.trim()).toBe(mail.html);
  });

  it('a retry sends the same bytes again', async () => {
    const { sink, mailer } = await stack();
    const prepared = await mailer.prepare(signup('evt-4'));
    await mailer.send(prepared);
    await mailer.send(prepared);
    await sink.waitFor(2);
    const mails = sink.received;
    expect(mails[0]?.headers.date).toBeDefined();
    expect(mails.map((m) => m.headers.date)).toEqual([mails[0]?.headers.date, mails[0]?.headers.date]);
    expect(sink.duplicates).toBe(1);
  });
});

describe('createSmtpMailer › the whole-send deadline', () => {
  // Greeting at ~100 ms, then three replies stalled 200 ms each (MAIL at ~300, RCPT at ~500, end of
  // data at ~700): every wait within the 300 ms per-phase timeout, the whole send far past its 400 ms
  // deadline, which falls in the middle of the RCPT stall, before a byte of the message is sent.
  const STALL = { timeoutMs: 300, sendTimeoutMs: 400 };
  const STALL_MS = 200;

  it('when a server stalls every reply just under the timeout › the send fails with ESENDTIMEOUT soon after the deadline, transient and server-wide', async () => {
    const server = await startStallingSink({ replyDelayMs: STALL_MS });
    const mailer = mailerFor(server, STALL);
    const started = Date.now();
    const error = await mailer.send(await mailer.prepare(signup('evt-slow'))).then(
      () => undefined,
      (err: unknown) => err,
    );
    const elapsed = Date.now() - started;
    expect(error, 'the send should have been aborted at its deadline').toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'ESENDTIMEOUT' });
    expect(String((error as Error).message)).not.toMatch(/@/);
    expect(classifySmtpError(error)).toMatchObject({ kind: 'transient', serverWide: true, code: 'ESENDTIMEOUT' });
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(550);
  });

  it('when the deadline passes › the connection is closed and the server never gets the message, even after its stall ends', async () => {
    const server = await startStallingSink({ replyDelayMs: STALL_MS });
    const mailer = mailerFor(server, STALL);
    await expect(mailer.send(await mailer.prepare(signup('evt-slow')))).rejects.toMatchObject({ code: 'ESENDTIMEOUT' });
    await vi.waitFor(() => expect(server.closedConnections).toBe(1), { timeout: 200, interval: 5 });
    // Past the moment the stalled exchange would have finished (~700 ms).
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(received(server)).toEqual([]);
  });

  it('after a send is aborted › the next send on the same mailer goes out over a new connection', async () => {
    const server = await startStallingSink({ replyDelayMs: STALL_MS });
    const mailer = mailerFor(server, STALL);
    await expect(mailer.send(await mailer.prepare(signup('evt-slow')))).rejects.toMatchObject({ code: 'ESENDTIMEOUT' });
    server.setLatency(0);
    await mailer.send(await mailer.prepare(signup('evt-next')));
    expect(received(server)).toEqual(['<evt-next@acme.test>']);
    expect(server.totalConnections).toBe(2);
  });

  it('when the caller aborts first › the send stops with nodemailer\u2019s EABORT, not ESENDTIMEOUT, and its connection is closed', async () => {
    const server = await startStallingSink({ replyDelayMs: STALL_MS });
    const mailer = mailerFor(server, STALL);
    const caller = new AbortController();
    setTimeout(() => caller.abort(new Error('shutting down')), 100);
    await expect(mailer.send(await mailer.prepare(signup('evt-cancelled')), { signal: caller.signal })).rejects.toMatchObject({ code: 'EABORT' });
    await vi.waitFor(() => expect(server.closedConnections).toBe(1), { timeout: 200, interval: 5 });
  });

  it('when the send finishes in time › it succeeds and keeps its pooled connection for the next one', async () => {
    const server = await startStallingSink({ replyDelayMs: 20 });
    const mailer = mailerFor(server, STALL);
    await mailer.send(await mailer.prepare(signup('evt-a')));
    await mailer.send(await mailer.prepare(signup('evt-b')));
    expect(received(server)).toEqual(['<evt-a@acme.test>', '<evt-b@acme.test>']);
    expect(server.totalConnections).toBe(1);
  });
});
