import { afterEach, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../../dev/smtp-sink.js';
import { composeWelcomeEmail } from '../../../src/delivery/compose-welcome-email.js';
import { createSmtpMailer, type Mailer } from '../../../src/delivery/mailer.js';
import { renderWelcomeEmail } from '../../../src/delivery/render-welcome-email.js';

const SITE = { from: 'Acme <welcome@acme.test>', domain: 'acme.test' };
const signup = (eventId: string, name = 'Zoë O’Hara') =>
  renderWelcomeEmail({ eventId, type: 'user.signed_up', occurredAt: '2024-05-01T12:30:00Z', user: { id: 'u-1', email: 'zoe@example.test', name } }, SITE);

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const stop of cleanup.splice(0).reverse()) await stop();
});

async function stack(): Promise<{ sink: SmtpSink; mailer: Mailer }> {
  const sink = await startSmtpSink();
  cleanup.push(() => sink.stop());
  const mailer = createSmtpMailer({ host: sink.host, port: sink.port, secure: false, requireTls: false, tlsRejectUnauthorized: true, user: '', pass: '', timeoutMs: 5_000, connections: 2 });
  cleanup.push(() => mailer.close());
  return { sink, mailer };
}

describe('composeWelcomeEmail', () => {
  it('builds the whole message before any connection: bytes, Message-ID and a one-recipient envelope', async () => {
    const prepared = await composeWelcomeEmail(signup('evt-1'));
    expect(prepared.envelope).toEqual({ from: 'welcome@acme.test', to: ['zoe@example.test'] });
    const raw = prepared.raw?.toString('utf8') ?? '';
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

  it('sends an unprepared email (no bytes) through nodemailer composing it', async () => {
    const { sink, mailer } = await stack();
    await mailer.send({ mail: signup('evt-5') });
    await sink.waitFor(1);
    const [got] = sink.received;
    expect(got?.messageId).toBe('<evt-5@acme.test>');
    expect(got?.envelope.to).toEqual(['zoe@example.test']);
  });
});
