import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';

import { untilAborted } from '../platform/abortable-wait.js';
import type { SmtpPasswords } from './passwords.js';

export interface SmtpTransportsOptions {
  /** The pool's settings; `auth` is set here per password. */
  readonly transport: SMTPPool.Options;
  /** With SMTP_USER: the user, and which password a new connection uses. */
  readonly login?: { readonly user: string; readonly passwords: SmtpPasswords } | undefined;
}

/** The nodemailer transports of one password: the workers' pool, and a one-connection transport for probes. */
interface Transports {
  readonly password: string | undefined;
  readonly pool: Transporter;
  readonly probe: Transporter;
  /** Sends and probes using it now; a retired entry closes when the last one ends. */
  users: number;
  retired: boolean;
  /** One login with a password the server has not accepted yet, shared by every send that waits for it. */
  proving: Promise<void> | undefined;
}

export interface SmtpTransports {
  /**
   * Runs `send` with the pool of the password new connections use. A password not yet accepted is
   * first proven with one probe login, so a refused one costs one failed login, not one per worker; a
   * refused login moves to the other password (see SmtpPasswords) and tries again.
   */
  send<T>(send: (pool: Transporter) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Connects and logs in once, on the probe transport, moving between passwords the same way. */
  verify(): Promise<void>;
  close(): void;
}

/**
 * nodemailer copies `auth` when a transport is created, so a new password needs new transports:
 * they replace the old ones for everything that starts afterwards, and the old ones close once their
 * sends in flight have ended (their connections stay logged in until then).
 */
export function createSmtpTransports({ transport, login }: SmtpTransportsOptions): SmtpTransports {
  const entries = new Map<string | undefined, Transports>();
  let active: Transports | undefined;
  let closed = false;

  const shut = (entry: Transports): void => {
    entries.delete(entry.password);
    entry.pool.close();
    entry.probe.close();
  };
  const transportsFor = (password: string | undefined): Transports => {
    let entry = entries.get(password);
    if (entry === undefined) {
      const options = login ? { ...transport, auth: { user: login.user, pass: password } } : transport;
      entry = {
        password,
        pool: nodemailer.createTransport(options),
        probe: nodemailer.createTransport({ ...options, pool: false } as never),
        users: 0,
        retired: false,
        proving: undefined,
      };
      entries.set(password, entry);
    }
    entry.retired = false;
    if (active !== entry) {
      const previous = active;
      active = entry;
      if (previous !== undefined) {
        previous.retired = true;
        if (previous.users === 0) shut(previous);
      }
    }
    return entry;
  };
  const using = async <T>(entry: Transports, run: () => Promise<T>): Promise<T> => {
    entry.users += 1;
    try {
      return await run();
    } finally {
      entry.users -= 1;
      if (entry.retired && entry.users === 0) shut(entry);
    }
  };

  /** Runs `run` with the transports of the next password; on a refused login, once more with the password offered instead. */
  async function withLogin<T>(
    run: (entry: Transports) => Promise<T>,
    { proveFirst, signal }: { proveFirst: boolean; signal?: AbortSignal | undefined },
  ): Promise<T> {
    if (closed) throw Object.assign(new Error('SMTP mailer closed'), { code: 'ECONNECTION' });
    if (!login) return run(transportsFor(undefined));
    const { passwords } = login;
    let password = passwords.next();
    // Each refusal rules one password out until a login succeeds, so two passwords need at most three tries.
    for (let attempt = 1; ; attempt++) {
      const entry = transportsFor(password);
      try {
        const result = await using(entry, async () => {
          if (proveFirst && !passwords.isAccepted(password)) await untilAborted(prove(entry, passwords), signal, sendingAborted);
          return run(entry);
        });
        passwords.accepted(password);
        return result;
      } catch (err) {
        if (!isLoginRefused(err) || attempt >= 3) throw err;
        const instead = passwords.refused(password);
        if (instead === undefined) throw err;
        password = instead;
      }
    }
  }

  return {
    send: (send, signal) => withLogin((entry) => send(entry.pool), { proveFirst: true, signal }),
    verify: () => withLogin(async (entry) => void (await entry.probe.verify()), { proveFirst: false }),
    close() {
      if (closed) return;
      closed = true;
      for (const entry of [...entries.values()]) shut(entry);
      active = undefined;
    },
  };
}

function prove(entry: Transports, passwords: SmtpPasswords): Promise<void> {
  entry.proving ??= entry.probe.verify().then(
    () => passwords.accepted(entry.password as string),
    (err: unknown) => {
      entry.proving = undefined;
      throw err;
    },
  );
  return entry.proving;
}

/** The server refused the credentials (nodemailer's EAUTH, or a 535 reply). */
function isLoginRefused(err: unknown): boolean {
  const e = err as { code?: unknown; responseCode?: unknown } | undefined;
  return e?.code === 'EAUTH' || e?.responseCode === 535;
}

/** nodemailer's EABORT, carrying the signal's reason as its cause. */
function sendingAborted(reason: unknown): Error {
  return Object.assign(new Error('Sending aborted'), { code: 'EABORT', cause: reason });
}
