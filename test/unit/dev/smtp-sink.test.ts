import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { afterEach, describe, expect, it } from 'vitest';

import { type SmtpSink, type SmtpSinkOptions, startSmtpSink } from '../../../dev/smtp-sink.js';

type SendError = Error & { code?: string; responseCode?: number };

const sinks: SmtpSink[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((sink) => sink.stop()));
});

async function sink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const started = await startSmtpSink(options);
  sinks.push(started);
  return started;
}

function transport(target: SmtpSink, options: SMTPTransport.Options = {}): Transporter<SMTPTransport.SentMessageInfo> {
  return nodemailer.createTransport({ host: '127.0.0.1', port: target.port, secure: false, connectionTimeout: 5_000, ...options });
}

function pooledTransport(target: SmtpSink): Transporter<SMTPPool.SentMessageInfo> {
  return nodemailer.createTransport({ pool: true, maxConnections: 1, host: '127.0.0.1', port: target.port, secure: false });
}

function send(target: SmtpSink, n = 1, options: SMTPTransport.Options = {}): Promise<SMTPTransport.SentMessageInfo> {
  return transport(target, options).sendMail({
    from: 'Welcome <welcome@example.test>',
    to: `user${n}@example.test`,
    subject: `Welcome aboard, Zoë ${n}`,
    text: `Hello ${n}`,
    html: `<p>Hello <b>${n}</b></p>`,
  });
}

async function sendError(promise: Promise<unknown>): Promise<SendError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as SendError,
  );
  if (error === undefined) throw new Error('expected the send to fail');
  return error;
}

describe('smtp sink', () => {
  describe('when a mail is sent', () => {
    it('stores the envelope, decoded headers and both bodies', async () => {
      const target = await sink();
      const info = await send(target, 7);

      await target.waitFor(1);
      const [mail] = target.received;
      expect(mail).toMatchObject({
        envelope: { from: 'welcome@example.test', to: ['user7@example.test'] },
        messageId: info.messageId,
        subject: 'Welcome aboard, Zoë 7',
        to: 'user7@example.test',
        text: 'Hello 7',
        html: '<p>Hello <b>7</b></p>',
      });
      expect(mail?.headers['message-id']).toBe(info.messageId);
      expect(mail?.receivedAt).toBeInstanceOf(Date);
      expect(target.count).toBe(1);
      expect(target.seen(info.messageId)).toBe(true);
    });
  });

  describe('when failNext(2, 451) is set', () => {
    it('fails two sends with responseCode 451 and accepts the third', async () => {
      const target = await sink();
      target.failNext(2, 451);

      const first = await sendError(send(target, 1));
      const second = await sendError(send(target, 2));
      await send(target, 3);

      expect(first.responseCode).toBe(451);
      expect(first.message).toContain('4.7.1');
      expect(second.responseCode).toBe(451);
      expect(target.count).toBe(1);
      expect(target.rejected).toBe(2);
      expect(target.received.map((m) => m.envelope.to[0])).toEqual(['user3@example.test']);
    });
  });

  describe('when failNext(1, 550) is set', () => {
    it('refuses the recipient with a permanent 550 5.1.1', async () => {
      const target = await sink();
      target.failNext(1, 550);

      const error = await sendError(send(target));

      expect(error.responseCode).toBe(550);
      expect(error.message).toContain('5.1.1');
      expect(target.count).toBe(0);
    });
  });

  describe('when the failure is injected at DATA', () => {
    it('answers the message with the code after receiving it', async () => {
      const target = await sink();
      target.failNext(1, 452, undefined, { at: 'data' });

      const error = await sendError(send(target));

      expect(error.responseCode).toBe(452);
      expect(error.code).toBe('EMESSAGE');
      expect(target.count).toBe(0);
    });
  });

  describe('when failNext(1, 421) is set', () => {
    it('answers 421 and closes the connection', async () => {
      const target = await sink();
      target.failNext(1, 421);

      const error = await sendError(send(target));

      expect(error.responseCode).toBe(421);
      await expect.poll(() => target.connections).toBe(0);
      await expect.poll(() => target.closedConnections).toBe(1);
    });
  });

  describe('when failure rates are set', () => {
    it('fails transactions as the random draw says', async () => {
      const draws = [0.05, 0.5, 0.95];
      const target = await sink({ random: () => draws.shift() ?? 1 });
      target.setFailureRate({ permanent: 0.1, transient: 0.5 });

      expect((await sendError(send(target, 1))).responseCode).toBe(550);
      expect((await sendError(send(target, 2))).responseCode).toBe(451);
      await send(target, 3);
      expect(target.count).toBe(1);
    });

    it('rejects rates outside 0..1', async () => {
      const target = await sink();
      expect(() => target.setFailureRate({ transient: 1.5 })).toThrow(RangeError);
    });
  });

  describe('when recipient failures are set', () => {
    const recipients = Array.from({ length: 20 }, (_, i) => i + 1);
    const refusedOf = async (target: SmtpSink): Promise<number[]> => {
      const pooled = pooledTransport(target);
      const refused: number[] = [];
      for (const n of recipients) {
        const failed = await pooled.sendMail({ from: 'a@example.test', to: `user${n}@example.test`, text: 'x' }).then(
          () => undefined,
          (e: SendError) => e,
        );
        if (failed !== undefined) {
          expect(failed.responseCode).toBe(550);
          refused.push(n);
        }
      }
      pooled.close();
      return refused;
    };

    it('refuses the same recipients on every attempt', async () => {
      const target = await sink({ store: false });
      target.setRecipientFailures({ share: 0.5, code: 550 });

      const first = await refusedOf(target);
      const again = await refusedOf(target);

      expect(first.length).toBeGreaterThan(2);
      expect(first.length).toBeLessThan(18);
      expect(again).toEqual(first);
      expect(target.rejected).toBe(2 * first.length);
      expect(target.count).toBe(2 * (recipients.length - first.length));
    });

    it('with firstAttemptOnly, answers a recipient\u2019s first attempt 451 and accepts its retry', async () => {
      const target = await sink();
      target.setRecipientFailures({ share: 1, firstAttemptOnly: true });

      const first = await sendError(send(target, 1));
      await send(target, 1);
      const other = await sendError(send(target, 2));

      expect(first.responseCode).toBe(451);
      expect(first.message).toContain('4.7.1');
      expect(other.responseCode).toBe(451);
      expect(target.rejected).toBe(2);
      expect(target.received.map((m) => m.envelope.to[0])).toEqual(['user1@example.test']);
    });

    it('forgets the refused first attempts when set again, and every recipient failure on clear()', async () => {
      const target = await sink();
      target.setRecipientFailures({ share: 1, firstAttemptOnly: true });
      await sendError(send(target, 1));

      target.setRecipientFailures({ share: 1, firstAttemptOnly: true });
      expect((await sendError(send(target, 1))).responseCode).toBe(451);

      target.clear();
      await send(target, 1);
      expect(target.count).toBe(1);
    });

    it('rejects a share outside 0..1', async () => {
      const target = await sink();
      expect(() => target.setRecipientFailures({ share: 1.5 })).toThrow('Expected a share in 0..1, got 1.5');
    });
  });

  describe('when auth is required', () => {
    it('rejects wrong credentials with 535 and accepts the right ones', async () => {
      const target = await sink({ auth: { user: 'mailer', pass: 's3cret' } });

      const error = await sendError(send(target, 1, { auth: { user: 'mailer', pass: 'wrong' } }));
      await send(target, 2, { auth: { user: 'mailer', pass: 's3cret' } });

      expect(error.responseCode).toBe(535);
      expect(error.code).toBe('EAUTH');
      expect(target.count).toBe(1);
    });

    it('refuses a client that does not authenticate', async () => {
      const target = await sink({ auth: { user: 'mailer', pass: 's3cret' } });
      const error = await sendError(send(target));
      expect(error.responseCode).toBe(530);
    });
  });

  describe('when latency is set', () => {
    it.each([
      ['delays the reply to DATA', 300],
      ['per stage, stalls the replies to MAIL FROM and RCPT TO too', { mail: 150, rcpt: 150 }],
    ] as const)('%s', async (_label, latencyMs) => {
      const target = await sink({ latencyMs });
      const started = performance.now();
      await send(target);
      expect(performance.now() - started).toBeGreaterThanOrEqual(280);

      target.setLatency(0);
      const again = performance.now();
      await send(target);
      expect(performance.now() - again).toBeLessThan(280);
    });

    it('rejects a negative stage latency', async () => {
      const target = await sink();
      expect(() => target.setLatency({ rcpt: -1 })).toThrow('Expected rcpt latency ms >= 0, got -1');
    });
  });

  describe('when onPhase is given', () => {
    it('times how each message streams and how long the client takes to start the next one', async () => {
      const phases: Array<[string, number]> = [];
      const target = await sink({ store: false, onPhase: (phase, ms) => phases.push([phase, ms]) });
      const pooled = pooledTransport(target);
      for (const n of [1, 2, 3]) await pooled.sendMail({ from: 'a@example.test', to: `user${n}@example.test`, text: 'x' });
      pooled.close();

      // A connection's first transaction follows no 250, so three mails on one connection give two turnarounds.
      expect(phases.map(([phase]) => phase)).toEqual(['stream', 'turnaround', 'stream', 'turnaround', 'stream']);
      expect(phases.every(([, ms]) => ms >= 0 && ms < 1_000)).toBe(true);
    });

    it('measures the turnaround from the 250, after the latency', async () => {
      const turnarounds: number[] = [];
      const target = await sink({ latencyMs: 200, onPhase: (phase, ms) => phase === 'turnaround' && turnarounds.push(ms) });
      const pooled = pooledTransport(target);
      for (const n of [1, 2]) await pooled.sendMail({ from: 'a@example.test', to: `user${n}@example.test`, text: 'x' });
      pooled.close();

      expect(turnarounds).toHaveLength(1);
      expect(turnarounds[0]).toBeLessThan(150);
    });
  });

  describe('when the sink is down', () => {
    it('refuses connections until it is up again', async () => {
      const target = await sink();
      await target.setDown(true);

      const error = await sendError(send(target));
      expect(error.code).toBe('ESOCKET');
      expect(error.message).toContain('ECONNREFUSED');

      await target.setDown(false);
      await send(target);
      expect(target.count).toBe(1);
    });

    it('greets with 421 in reply-421 mode and closes pooled connections', async () => {
      const target = await sink();
      const pooled = pooledTransport(target);
      await pooled.sendMail({ from: 'a@example.test', to: 'b@example.test', text: 'x' });
      expect(target.connections).toBe(1);

      await target.setDown(true, 'reply-421');
      await expect.poll(() => target.connections).toBe(0);
      const error = await sendError(send(target));
      expect(error.responseCode).toBe(421);

      await target.setDown(false);
      await send(target);
      pooled.close();
      expect(target.count).toBe(2);
    });
  });

  describe('when the sink goes down while a mail waits for its reply', () => {
    it.each(['refuse', 'reply-421'] as const)('does not count the mail the client never got a 250 for (%s)', async (mode) => {
      const target = await sink({ latencyMs: 300 });
      const sending = sendError(send(target, 1));
      await expect.poll(() => target.connections).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 100));

      await target.setDown(true, mode);
      const error = await sending;
      await new Promise((resolve) => setTimeout(resolve, 300));

      expect(error.responseCode).toBe(421);
      expect(target.count).toBe(0);
      expect(target.received).toEqual([]);
    });
  });

  describe('when store is false', () => {
    it('keeps counters, ids and onMail calls but no mails', async () => {
      const seen: string[] = [];
      const target = await sink({ store: false, onMail: (mail) => seen.push(mail.subject ?? '') });

      const info = await send(target, 1);
      await send(target, 2);
      await target.waitFor(2);

      expect(target.received).toEqual([]);
      expect(target.count).toBe(2);
      expect(target.seen(info.messageId)).toBe(true);
      expect(seen).toEqual(['Welcome aboard, Zoë 1', 'Welcome aboard, Zoë 2']);
    });
  });

  describe('when the subject is long and non-ASCII', () => {
    it.each([true, false])('decodes it whole from several encoded words (store: %s)', async (store) => {
      const subject = `Willkommen, ${'Zoë Ørsted-Ñúñez '.repeat(8).trim()} 🎉`;
      const subjects: string[] = [];
      const target = await sink({ store, onMail: (mail) => subjects.push(mail.subject ?? '') });

      await transport(target).sendMail({ from: 'a@example.test', to: 'b@example.test', subject, text: 'x' });

      expect(subjects).toEqual([subject]);
    });
  });

  describe('when keep is set', () => {
    it('keeps only the newest mails', async () => {
      const target = await sink({ keep: 2 });
      for (const n of [1, 2, 3]) await send(target, n);
      expect(target.count).toBe(3);
      expect(target.received.map((m) => m.envelope.to[0])).toEqual(['user2@example.test', 'user3@example.test']);
    });
  });

  describe('when the same Message-ID arrives twice', () => {
    it('counts a duplicate', async () => {
      const target = await sink();
      const mailer = transport(target);
      const mail = { from: 'a@example.test', to: 'b@example.test', text: 'x', messageId: '<same@example.test>' };
      await mailer.sendMail(mail);
      await mailer.sendMail(mail);
      expect(target.duplicates).toBe(1);
    });
  });

  describe('when waiting for more mails than arrive', () => {
    it('rejects after the timeout with the count so far', async () => {
      const target = await sink();
      await expect(target.waitFor(1, { timeoutMs: 50 })).rejects.toThrow('waited 50 ms for 1 mails, got 0');
    });

    it('rejects with the abort reason when the signal aborts', async () => {
      const target = await sink();
      const controller = new AbortController();
      const waiting = target.waitFor(1, { signal: controller.signal });
      controller.abort(new Error('test over'));
      await expect(waiting).rejects.toThrow('test over');
    });
  });

  describe('when given a certificate', () => {
    it('serves implicit TLS for SMTP_SECURE clients', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'smtp-sink-tls-'));
      try {
        const key = path.join(dir, 'key.pem');
        const cert = path.join(dir, 'cert.pem');
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], {
          stdio: 'ignore',
        });
        const target = await sink({ tls: { key: readFileSync(key), cert: readFileSync(cert) } });

        await send(target, 1, { secure: true, tls: { rejectUnauthorized: false } });
        const plain = await sendError(send(target, 2, { connectionTimeout: 1_000, greetingTimeout: 1_000 }));

        expect(target.count).toBe(1);
        expect(plain.code).toMatch(/ETIMEDOUT|ECONNECTION|ESOCKET/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('when stopped twice', () => {
    it('resolves both times', async () => {
      const target = await sink();
      await target.stop();
      await target.stop();
    });
  });
});
