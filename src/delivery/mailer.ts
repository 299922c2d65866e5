import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { composeWelcomeEmail, messageOptions, type PreparedMail } from './compose-welcome-email.js';
import type { WelcomeEmail } from './render-welcome-email.js';

export type { PreparedMail } from './compose-welcome-email.js';

/** What the dispatcher needs from an SMTP client; tests pass their own. */
export interface Mailer {
  /**
   * Composes the message before it waits for a worker, so a worker holds its pooled connection only
   * for the SMTP exchange (nodemailer would compose after taking it; see BENCHMARKS.md).
   * A rejection means the email can never be composed.
   */
  prepare(mail: WelcomeEmail): Promise<PreparedMail>;
  send(prepared: PreparedMail): Promise<void>;
  /** Connects and authenticates once; used for readiness and circuit-breaker probes. */
  verify(): Promise<void>;
  close(): void;
}

export interface SmtpMailerOptions {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly requireTls: boolean;
  readonly tlsRejectUnauthorized: boolean;
  readonly user: string;
  readonly pass: string;
  readonly timeoutMs: number;
  /** One pooled connection per worker, so a worker never waits for a connection. */
  readonly connections: number;
  readonly ca?: string | undefined;
}

export function smtpTransportOptions(o: SmtpMailerOptions): SMTPPool.Options {
  return {
    pool: true,
    host: o.host,
    port: o.port,
    secure: o.secure,
    requireTLS: o.requireTls,
    tls: { rejectUnauthorized: o.tlsRejectUnauthorized, ...(o.ca ? { ca: o.ca } : {}) },
    ...(o.user ? { auth: { user: o.user, pass: o.pass } } : {}),
    maxConnections: o.connections,
    // No per-connection message cap: reconnecting every 100 messages costs a handshake each time.
    maxMessages: Infinity,
    connectionTimeout: o.timeoutMs,
    greetingTimeout: o.timeoutMs,
    socketTimeout: o.timeoutMs,
    // Nothing from an event may pull in a file or URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  };
}

export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const transport = nodemailer.createTransport(smtpTransportOptions(options));
  // A separate non-pooled transport for probes, so a probe never occupies a worker's connection.
  const probe = nodemailer.createTransport({ ...smtpTransportOptions(options), pool: false } as never);
  let closed = false;
  return {
    prepare: composeWelcomeEmail,
    async send({ mail, raw, envelope }) {
      await transport.sendMail(raw && envelope ? { envelope, raw } : messageOptions(mail));
    },
    async verify() {
      await probe.verify();
    },
    close() {
      if (closed) return;
      closed = true;
      transport.close();
      probe.close();
    },
  };
}
