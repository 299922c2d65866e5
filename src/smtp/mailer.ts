import { readFileSync } from 'node:fs';

import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { Logger } from 'pino';

import { composeWelcomeEmail, type PreparedMail } from '../email/compose-welcome-email.js';
import { createDkimSigner, type DkimOptions, type SignMessage } from '../email/dkim-signer.js';
import type { WelcomeEmail } from '../email/render-welcome-email.js';
import { envelopeNeedsSmtpUtf8 } from '../pipeline/email-address.js';
import { logSecretFileEvent, watchSecretFile } from '../platform/config/secret-file.js';
import { linkedSignal } from '../platform/linked-signal.js';
import { SendTimeoutError, SmtpUtf8UnsupportedError } from '../platform/service-error.js';
import { createSmtpPasswords } from './passwords.js';
import { createSmtpUtf8Support, readEhlo } from './smtputf8-support.js';
import { createSmtpTransports } from './transports.js';

/** What the server said to an accepted message, and which relay took it (with a fallback relay). */
export interface Delivery {
  readonly reply: string | undefined;
  readonly relay?: string;
}

/** What the dispatcher needs from an SMTP client; tests pass their own. */
export interface Mailer {
  /**
   * Composes the message (`composeWelcomeEmail`: its wire bytes and envelope) before it waits for a
   * worker, so a worker holds its pooled connection only for the SMTP exchange (nodemailer would
   * compose after taking it; see BENCHMARKS.md). A rejection means the email can never be composed.
   */
  prepare(mail: WelcomeEmail): Promise<PreparedMail>;
  /**
   * Resolves once the server accepted the message, with its reply when known (`250 2.0.0 Ok: queued
   * as …`; what a delivery receipt reports). The SMTP mailer bounds the whole send by its
   * `sendTimeoutMs` (then rejects with `ESENDTIMEOUT`); `signal` cancels it sooner (nodemailer's
   * `EABORT`). Either way the connection it was using, if any, is closed first.
   */
  send(prepared: PreparedMail, options?: { signal?: AbortSignal }): Promise<Delivery | void>;
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
  /** Per phase and per command (connect + greeting, then each reply): a server that stalls every reply just under it is never cut off. */
  readonly timeoutMs: number;
  /**
   * Deadline for one whole `send()`, from the call to the server's final reply, covering every phase
   * however many of them stall: the send is aborted and its connection closed when it passes. Keep it
   * below the sent ledger's lease, or another instance may claim and send the same email.
   */
  readonly sendTimeoutMs: number;
  /** One pooled connection per worker, so a worker never waits for a connection. */
  readonly connections: number;
  readonly ca?: string | undefined;
  /** PEM CA bundle for the server's certificate (SMTP_TLS_CA_FILE), read once; `ca` wins. @default the system CAs */
  readonly tlsCaFile?: string | undefined;
  /** The file `pass` came from (SMTP_PASS_FILE): re-read when it changes, so a rotated Secret reaches new connections. */
  readonly passFile?: string | undefined;
  /** The password's variable, as logs name it (SMTP_FALLBACK_PASS for the fallback relay). @default 'SMTP_PASS' */
  readonly passVariable?: string | undefined;
  /** For password rotation and secret-file problems (never a value). @default silent */
  readonly logger?: Logger | undefined;
  /** DKIM signing of every composed message (DKIM_*); off when absent. */
  readonly dkim?: DkimOptions | undefined;
}

/** The transport settings; the whole-send deadline is applied per send by `createSmtpMailer`. */
export function smtpTransportOptions(o: Omit<SmtpMailerOptions, 'sendTimeoutMs'>): SMTPPool.Options {
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
    // Closing a connection destroys its socket at once. The default (end(), then wait for the peer)
    // would first flush what is still buffered, which for an aborted send can be the end of its DATA:
    // the server would then accept a message we already reported as failed and will send again.
    // (Bytes already in the kernel still go out; once the final dot has arrived, no client can recall it.)
    socketCloseTimeout: 0,
    // Nothing from an event may pull in a file or URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  };
}

/**
 * How a send is cut off at its deadline: nodemailer's pool takes a per-message `signal` (nodemailer
 * >= 10.5, `supportsAbortSignal`). On abort it drops a queued message, or closes the pool resource
 * delivering it (its SMTPConnection and socket) without requeueing it, fails the send with `EABORT`,
 * and opens a fresh connection for the next message. That is a real abort, not a race that leaves the
 * exchange running, and it keeps the pool's reuse, requeue-on-drop and TLS/auth handling. The
 * alternatives were worse: a `getSocket` hook can find a send's socket only through the pool's private
 * resource fields, and an own pool of SMTPConnections would re-implement STARTTLS, auth and requeueing.
 */
export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const { sendTimeoutMs, user, pass, passFile, logger, passVariable = 'SMTP_PASS' } = options;
  const sign = options.dkim ? createDkimSigner(options.dkim) : undefined;
  const ca = options.ca ?? (options.tlsCaFile ? readFileSync(options.tlsCaFile, 'utf8') : undefined);
  const secret = passFile
    ? watchSecretFile({ variable: passVariable, file: passFile, initial: pass, onEvent: (event) => logger && logSecretFileEvent(logger, event) })
    : undefined;
  const passwords = createSmtpPasswords({
    current: () => secret?.read() ?? pass,
    onEvent: (event) =>
      logger?.warn(
        { variable: passFile ? `${passVariable}_FILE` : passVariable },
        event === 'new-password-refused'
          ? 'SMTP refused the new password; new connections keep the previous one until the server takes it'
          : 'SMTP refused the previous password; trying the new one',
      ),
  });
  // One pool per password in use (workers), each with a separate non-pooled transport for probes, so a probe never occupies a worker's connection.
  const transport = smtpTransportOptions({ ...options, ca });
  const transports = createSmtpTransports({ transport, login: user ? { user, passwords } : undefined });
  // Asked only when an envelope needs SMTPUTF8 (a UTF-8 local part), then remembered for a while.
  const smtpUtf8 = createSmtpUtf8Support({ ehlo: () => readEhlo(transport) });
  return {
    prepare: sign ? async (mail) => signed(await composeWelcomeEmail(mail), sign) : composeWelcomeEmail,
    async send({ raw, envelope }, { signal } = {}) {
      // The deadline starts at the call: time spent waiting for a pooled connection counts as well.
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(new SendTimeoutError(sendTimeoutMs)), sendTimeoutMs);
      // Not AbortSignal.any: a caller's long-lived signal would keep every send's combined signal.
      const link = linkedSignal([deadline.signal, signal]);
      const stop = link.signal;
      try {
        // nodemailer would send a UTF-8 envelope to a relay without SMTPUTF8 (RFC 6531 forbids it): refuse first.
        if (envelopeNeedsSmtpUtf8(envelope) && !(await smtpUtf8.offered(stop))) throw new SmtpUtf8UnsupportedError();
        // Always the composed bytes: nodemailer only carries them, so what DKIM signed is what goes out.
        const info = await transports.send((pool) => pool.sendMail({ envelope, raw, signal: stop }), stop);
        return { reply: typeof info.response === 'string' ? info.response : undefined };
      } catch (err) {
        // nodemailer's EABORT carries the signal's reason as its cause: ours when the deadline fired.
        if (deadline.signal.aborted && (err as { cause?: unknown } | undefined)?.cause === deadline.signal.reason) throw deadline.signal.reason;
        throw err;
      } finally {
        clearTimeout(timer);
        link.dispose();
      }
    },
    verify: () => transports.verify(),
    close: () => transports.close(),
  };
}

/** The composed message with its DKIM-Signature in front. */
async function signed(prepared: PreparedMail, sign: SignMessage): Promise<PreparedMail> {
  return { ...prepared, raw: await sign(prepared.raw) };
}
