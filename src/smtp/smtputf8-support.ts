import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';

import { untilAborted } from '../platform/abortable-wait.js';

export interface SmtpUtf8Support {
  /** Whether the relay offers SMTPUTF8; rejects when the relay cannot be asked (a transient failure) or `signal` aborts. */
  offered(signal?: AbortSignal): Promise<boolean>;
}

export interface SmtpUtf8SupportOptions {
  /** The relay's reply to EHLO (after STARTTLS, when it offers it). */
  readonly ehlo: () => Promise<string>;
  /** How long an answer is kept: a relay upgraded to offer SMTPUTF8 is seen within it. @default 600_000 */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

/**
 * Asks the relay only when an email needs SMTPUTF8 (most never do), once for every send that waits on
 * the answer, and keeps the answer for `ttlMs`.
 */
export function createSmtpUtf8Support({ ehlo, ttlMs = 600_000, now = Date.now }: SmtpUtf8SupportOptions): SmtpUtf8Support {
  let known: { readonly offered: boolean; readonly at: number } | undefined;
  let asking: Promise<boolean> | undefined;
  return {
    offered(signal) {
      if (known && now() - known.at < ttlMs) return Promise.resolve(known.offered);
      asking ??= ehlo()
        .then((reply) => {
          known = { offered: offersSmtpUtf8(reply), at: now() };
          return known.offered;
        })
        .finally(() => {
          asking = undefined;
        });
      return untilAborted(asking, signal);
    },
  };
}

/** An EHLO reply's keyword lines, as nodemailer reads them (`250-SMTPUTF8`). */
export function offersSmtpUtf8(ehloReply: string): boolean {
  return /^\d{3}[ -]SMTPUTF8\b/im.test(ehloReply);
}

/**
 * Connects as the pool would (TLS, STARTTLS, its timeouts bound every phase), reads the EHLO reply and
 * quits; no login: the extensions are offered before it. `signal` closes the connection.
 */
export function readEhlo(options: SMTPConnection.Options, signal?: AbortSignal): Promise<string> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const connection = new SMTPConnection(options);
    const onAbort = () => {
      connection.close();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => signal?.removeEventListener('abort', onAbort);
    connection.on('error', (err: Error) => {
      done();
      connection.close();
      reject(err);
    });
    connection.connect(() => {
      done();
      const reply = connection.lastServerResponse;
      connection.quit();
      resolve(typeof reply === 'string' ? reply : '');
    });
  });
}
