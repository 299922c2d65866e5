/**
 * A real SMTP server that accepts everything (or fails on request) for local dev, the demo, tests, the
 * load test and the bench: it speaks SMTP through `smtp-server`, so nodemailer meets real reply codes at
 * real stages (`451` at RCPT, `421` and a closed socket, `535` on bad credentials) instead of a mock.
 */
import { once, setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

import { SMTPServer, type SMTPServerDataStream, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';

import { createFailurePlan, type FailureRates, type FailureStage, type InjectedFailure, type RecipientFailures } from './smtp-sink/failure-plan.js';
import { headerEnd } from './smtp-sink/parse-headers.js';
import { type ReceivedMail, toReceivedMail } from './smtp-sink/received-mail.js';

export type { FailureRates, FailureStage, RecipientFailures } from './smtp-sink/failure-plan.js';
export type { ReceivedMail } from './smtp-sink/received-mail.js';

/** Delay before the reply at each stage, in ms; a stage left out replies at once. */
export type StageLatency = Partial<Record<FailureStage, number>>;

/**
 * A phase of a transaction timed from the sink's side. `turnaround`: the sink's final `250` → the next
 * MAIL FROM on the same connection (how long the client takes to start the next mail); `stream`: the
 * `354` → the end of the message (how long the client takes to send it).
 */
export type SmtpPhase = 'turnaround' | 'stream';

/** pino's Logger fits. */
export interface SinkLogger {
  debug(bindings: object, message?: string): void;
  warn(bindings: object, message?: string): void;
}

export interface SmtpSinkOptions {
  /** @default 0 (a free port; read it back from `sink.port`) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /**
   * A number delays the reply to DATA, like a slow relay; per stage, the replies to MAIL FROM and RCPT
   * TO can stall too, like a relay that is slow at every step. @default 0
   */
  latencyMs?: number | StageLatency;
  /** Require AUTH (PLAIN/LOGIN) with these credentials; wrong ones get `535 5.7.8`. @default no auth */
  auth?: { user: string; pass: string };
  /**
   * Serve TLS. `implicit` (default) is TLS from the first byte, what nodemailer's `secure: true` (SMTP_SECURE)
   * expects; `starttls` offers STARTTLS on a plain connection. Without `tls`, STARTTLS is disabled so plain
   * local clients never try to upgrade.
   */
  tls?: { key: string | Buffer; cert: string | Buffer; mode?: 'implicit' | 'starttls' };
  /** Keep parsed mails (bodies decoded) in `received`; false keeps counters and message ids only. @default true */
  store?: boolean;
  /** Keep at most this many mails in `received`, dropping the oldest. @default Infinity */
  keep?: number;
  /** Remember message ids for `seen()` and `duplicates`. @default true */
  trackIds?: boolean;
  /** Called for every accepted mail (bodies undefined when `store` is false). */
  onMail?: (mail: ReceivedMail) => void;
  /** Called with the duration of each phase of each transaction (see {@link SmtpPhase}); for the bench. */
  onPhase?: (phase: SmtpPhase, ms: number) => void;
  /** Leave SMTPUTF8 (RFC 6531) out of the EHLO reply, like a relay without it. @default false (offered) */
  hideSmtpUtf8?: boolean;
  /** For the random failure rates. @default Math.random */
  random?: () => number;
  logger?: SinkLogger;
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** @default 10_000 */
  timeoutMs?: number;
}

export interface SmtpSink {
  readonly port: number;
  readonly host: string;
  /** Accepted mails, oldest first (bounded by `keep`; empty when `store` is false). */
  readonly received: ReceivedMail[];
  /** Accepted mails since start or `clear()`. */
  readonly count: number;
  /** Transactions answered with an injected failure (recipient failures: recipients). */
  readonly rejected: number;
  /** Accepted mails whose Message-ID had been accepted before (needs `trackIds`). */
  readonly duplicates: number;
  /** Open client connections now. */
  readonly connections: number;
  /** Client connections since start. */
  readonly totalConnections: number;
  /** Client connections closed since start, by either side (greeted or not). */
  readonly closedConnections: number;
  /** AUTH attempts refused with `535` since start. */
  readonly authFailures: number;
  seen(messageId: string): boolean;
  /** Resolves once `count` mails have been accepted in total. */
  waitFor(count: number, options?: WaitOptions): Promise<void>;
  /** The next `n` transactions get `code` (default message per code), at RCPT unless `at` says otherwise. */
  failNext(n: number, code: number, message?: string, options?: { at?: FailureStage }): void;
  setFailureRate(rates: FailureRates): void;
  /** Refuses a stable share of recipients at RCPT, on every attempt or on the first only. */
  setRecipientFailures(failures: RecipientFailures): void;
  /**
   * Changes the credentials AUTH accepts from now on (a password rotated at the server); sessions
   * already logged in stay so, as with a real server. Needs a sink started with `auth`.
   */
  setAuth(auth: { user: string; pass: string }): void;
  /** Ends every open client connection with `421` (a server restart, or an idle timeout), staying up. */
  dropConnections(): void;
  /** Replaces the latency (see {@link SmtpSinkOptions.latencyMs}). */
  setLatency(ms: number | StageLatency): void;
  /**
   * Simulates an outage and closes open connections with `421`. `refuse` stops listening (ECONNREFUSED);
   * `reply-421` keeps accepting and greets every client with `421`. `setDown(false)` restores service.
   */
  setDown(down: boolean, mode?: 'refuse' | 'reply-421'): Promise<void>;
  /** Forgets received mails, counters, ids and injected failures (recipient failures too). */
  clear(): void;
  /** Idempotent. */
  stop(): Promise<void>;
}

function toStageLatency(latency: number | StageLatency): Record<FailureStage, number> {
  const stages = typeof latency === 'number' ? { data: latency } : latency;
  const { mail = 0, rcpt = 0, data = 0 } = stages;
  for (const [stage, ms] of [
    ['mail', mail],
    ['rcpt', rcpt],
    ['data', data],
  ] as const) {
    if (!(ms >= 0)) throw new RangeError(`Expected ${stage} latency ms >= 0, got ${ms}`);
  }
  return { mail, rcpt, data };
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const { host = '127.0.0.1', tls, store = true, keep = Infinity, trackIds = true, onMail, onPhase, logger } = options;
  let latency = toStageLatency(options.latencyMs ?? 0);
  let auth = options.auth;
  let authFailures = 0;
  const plan = createFailurePlan({ random: options.random });
  const received: ReceivedMail[] = [];
  const ids = new Set<string>();
  const fates = new WeakMap<SMTPServerSession, InjectedFailure | undefined>();
  const waiters = new Set<() => void>();
  const stopped = new AbortController();
  // Every reply waiting out its latency listens on this one signal: thousands at once under load.
  setMaxListeners(0, stopped.signal);
  /** When each session's last `250` to a message went out (only with `onPhase`). */
  const lastAccepted = new WeakMap<SMTPServerSession, number>();
  let count = 0;
  let rejected = 0;
  let duplicates = 0;
  let totalConnections = 0;
  let closedConnections = 0;
  let down: 'refuse' | 'reply-421' | undefined;
  /** Bumped whenever the sink closes client connections itself (outage, stop). */
  let epoch = 0;
  const closedSessions = new WeakSet<SMTPServerSession>();

  const counted = new WeakSet<InjectedFailure>();
  /** One failing transaction counts once in `rejected`, however many recipients it refuses. */
  const fail = (failure: InjectedFailure): Error => {
    if (!counted.has(failure)) {
      counted.add(failure);
      rejected++;
      logger?.debug({ code: failure.code, at: failure.at }, 'smtp sink: injected failure');
    }
    return Object.assign(new Error(failure.message), { responseCode: failure.code });
  };
  const unavailable = (): Error => Object.assign(new Error('4.3.2 Service not available'), { responseCode: 421 });
  /** Runs `reply` after the stage's latency; a stop during the wait answers with its error. */
  const after = (stage: FailureStage, reply: () => void, callback: (error: Error) => void): void => {
    const ms = latency[stage];
    if (ms <= 0) return reply();
    sleep(ms, undefined, { signal: stopped.signal }).then(reply, callback);
  };
  const phase = (name: SmtpPhase, since: number): void => {
    try {
      onPhase?.(name, performance.now() - since);
    } catch (error) {
      logger?.warn({ err: error }, 'smtp sink: onPhase threw');
    }
  };

  const serverOptions: SMTPServerOptions = {
    secure: tls !== undefined && tls.mode !== 'starttls',
    ...(tls ? { key: tls.key, cert: tls.cert } : { disabledCommands: ['STARTTLS'] }),
    authOptional: auth === undefined,
    authMethods: ['PLAIN', 'LOGIN'],
    ...(options.hideSmtpUtf8 ? { hideSMTPUTF8: true } : {}),
    ...(auth && !tls ? { allowInsecureAuth: true } : {}),
    logger: false,
    disableReverseLookup: true,
    // stop() sends 421 to open connections itself; this only bounds a client that never hangs up.
    closeTimeout: 2_000,
    banner: 'email-dispatcher dev SMTP sink',
    onConnect(_session, callback) {
      totalConnections++;
      callback(down === undefined ? null : unavailable());
    },
    onAuth(credentials, _session, callback) {
      // Without `auth` any credentials pass, so a service configured with SMTP_USER still works locally.
      if (auth === undefined || (credentials.username === auth.user && credentials.password === auth.pass)) {
        return callback(null, { user: credentials.username });
      }
      authFailures++;
      callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
    },
    onMailFrom(_address, session, callback) {
      const accepted = lastAccepted.get(session);
      if (accepted !== undefined) phase('turnaround', accepted);
      after(
        'mail',
        () => {
          if (down !== undefined) return callback(unavailable());
          const fate = plan.take();
          fates.set(session, fate);
          callback(fate?.at === 'mail' ? fail(fate) : null);
        },
        callback,
      );
    },
    onRcptTo(address, session, callback) {
      after(
        'rcpt',
        () => {
          const fate = fates.get(session);
          if (fate?.at === 'rcpt') return callback(fail(fate));
          const refused = plan.takeRecipient(address.address);
          callback(refused === undefined ? null : fail(refused));
        },
        callback,
      );
    },
    onClose(session) {
      closedConnections++;
      closedSessions.add(session);
    },
    onData(stream, session, callback) {
      const fate = fates.get(session);
      fates.delete(session);
      accept(stream, session, fate).then(
        () => {
          if (onPhase) lastAccepted.set(session, performance.now());
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  };

  async function accept(stream: SMTPServerDataStream, session: SMTPServerSession, fate: InjectedFailure | undefined): Promise<void> {
    const startedIn = epoch;
    const streamStarted = performance.now();
    const chunks: Buffer[] = [];
    let size = 0;
    let headersDone = false;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      // Counters-only mode keeps the header block (for the Message-ID) and drops the body.
      if (store || !headersDone) {
        chunks.push(chunk);
        if (!store) headersDone = headerEnd(Buffer.concat(chunks)) !== -1;
      }
    }
    phase('stream', streamStarted);
    if (latency.data > 0) await sleep(latency.data, undefined, { signal: stopped.signal });
    if (fate !== undefined) throw fail(fate);
    const mail = await toReceivedMail({
      raw: Buffer.concat(chunks),
      size,
      parseBody: store,
      envelope: {
        from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
        to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
      },
    });
    // A mail whose connection was closed (421 from setDown or stop) before the 250 could go out was
    // not delivered as far as the client knows: it will retry, so counting it would fake a duplicate.
    if (epoch !== startedIn || closedSessions.has(session)) throw unavailable();
    count++;
    if (trackIds && mail.messageId !== undefined) {
      if (ids.has(mail.messageId)) duplicates++;
      else ids.add(mail.messageId);
    }
    if (store) {
      received.push(mail);
      if (received.length > keep) received.splice(0, received.length - keep);
    }
    try {
      onMail?.(mail);
    } catch (error) {
      logger?.warn({ err: error }, 'smtp sink: onMail threw');
    }
    for (const wake of waiters) wake();
  }

  const server = new SMTPServer(serverOptions);
  server.on('error', (error) => logger?.debug({ err: error }, 'smtp sink: connection error'));
  const listen = async (port: number): Promise<number> => {
    server.listen(port, host);
    await once(server.server, 'listening');
    const address = server.server.address();
    return typeof address === 'object' && address !== null ? address.port : port;
  };
  const port = await listen(options.port ?? 0);
  const closeConnections = (): void => {
    epoch++;
    for (const connection of server.connections) connection.send(421, '4.3.2 Service not available, closing transmission channel');
  };

  let stopping: Promise<void> | undefined;
  return {
    port,
    host,
    received,
    get count() {
      return count;
    },
    get rejected() {
      return rejected;
    },
    get duplicates() {
      return duplicates;
    },
    get connections() {
      return server.connections.size;
    },
    get totalConnections() {
      return totalConnections;
    },
    get closedConnections() {
      return closedConnections;
    },
    get authFailures() {
      return authFailures;
    },
    seen: (messageId) => ids.has(messageId),
    waitFor(target, { signal, timeoutMs = 10_000 } = {}) {
      return new Promise<void>((resolve, reject) => {
        const deadline = AbortSignal.timeout(timeoutMs);
        const stop = AbortSignal.any([deadline, stopped.signal, ...(signal ? [signal] : [])]);
        const finish = (error?: unknown): void => {
          waiters.delete(check);
          stop.removeEventListener('abort', onAbort);
          if (error === undefined) resolve();
          else reject(error);
        };
        const check = (): void => {
          if (count >= target) finish();
        };
        const onAbort = (): void => finish(signal?.aborted ? signal.reason : new Error(`SMTP sink: waited ${timeoutMs} ms for ${target} mails, got ${count}`));
        waiters.add(check);
        stop.addEventListener('abort', onAbort, { once: true });
        check();
        if (stop.aborted) onAbort();
      });
    },
    failNext: (n, code, message, failOptions) => plan.failNext(n, code, message, failOptions),
    setFailureRate: (rates) => plan.setFailureRate(rates),
    setRecipientFailures: (failures) => plan.setRecipientFailures(failures),
    setAuth(next) {
      if (auth === undefined) throw new Error('SMTP sink: setAuth needs a sink started with `auth`');
      auth = { ...next };
    },
    dropConnections: () => closeConnections(),
    setLatency(ms) {
      latency = toStageLatency(ms);
    },
    async setDown(isDown, mode = 'refuse') {
      if (isDown) {
        const wasListening = down !== 'refuse';
        down = mode;
        closeConnections();
        // Stops accepting at once; the callback would wait for the closed connections to drain.
        if (mode === 'refuse' && wasListening) server.server.close();
        if (mode === 'reply-421' && !wasListening) await listen(port);
        return;
      }
      if (down === 'refuse') await listen(port);
      down = undefined;
    },
    clear() {
      received.length = 0;
      ids.clear();
      plan.clear();
      count = rejected = duplicates = 0;
    },
    stop() {
      stopping ??= (async () => {
        stopped.abort(new Error('SMTP sink stopped'));
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        closeConnections();
        await closed;
      })();
      return stopping;
    },
  };
}
