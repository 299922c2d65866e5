import { scrubAddresses } from '../platform/logger.js';
import { ESENDTIMEOUT, ESMTPUTF8 } from '../platform/service-error.js';
import { tlsRefusal } from '../platform/tls-errors.js';
import { truncate } from '../platform/truncate.js';

/**
 * transient: try again later (4xx, network, timeout). permanent: this message can never be
 * sent (5xx, bad envelope). fatal: the service itself is misconfigured (auth, a certificate that
 * does not verify) and must stop.
 */
export type FailureKind = 'transient' | 'permanent' | 'fatal';

export interface SmtpFailure {
  readonly kind: FailureKind;
  /** The server as a whole is unavailable (refused, timeout, 421), not this one recipient. */
  readonly serverWide: boolean;
  readonly code: string | undefined;
  readonly responseCode: number | undefined;
  /** At most 1 KiB, addresses removed. */
  readonly message: string;
  /** The relay that answered ('primary' or 'fallback'), with a fallback relay: the error's `relay` (set by `SmtpRelays`). */
  readonly relay?: string | undefined;
}

// ESENDTIMEOUT (our whole-send deadline) is a timeout like ETIMEDOUT: a server that stalls every reply does so for all.
const NETWORK_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  ESENDTIMEOUT,
  'ESOCKET',
  'EDNS',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETLS',
  'EPROTOCOL',
]);
const AUTH_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2']);
/** Every relay configured refuses us (SmtpRelays): waiting cannot fix it, so it is fatal like a refused login. */
export const RELAYS_REFUSED = 'ERELAYSREFUSED';
/** nodemailer's `command` for replies that concern the session or our sender, not a recipient. */
const SESSION_COMMANDS = ['CONN', 'EHLO', 'HELO', 'LHLO', 'STARTTLS', 'AUTH', 'MAIL FROM'];

/** Classifies an error thrown by nodemailer (`code`, `responseCode`, `command`; see nodemailer lib/errors). */
export function classifySmtpError(err: unknown): SmtpFailure {
  const e = (err ?? {}) as { code?: unknown; responseCode?: unknown; message?: unknown; command?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const command = typeof e.command === 'string' ? e.command.toUpperCase() : undefined;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const message = truncate(scrubAddresses(typeof e.message === 'string' ? e.message : String(err)));
  const base = { code, responseCode, message };
  // This relay can never take this message (it lacks SMTPUTF8); a relay that offers it can.
  if (code === ESMTPUTF8) return { ...base, kind: 'permanent', serverWide: false };
  // Waiting changes neither a certificate nor SMTP_REQUIRE_TLS: the same failure stops the start.
  if (tlsRefusalReason(err) !== undefined) return { ...base, kind: 'fatal', serverWide: true };
  if (code === RELAYS_REFUSED || (code && AUTH_CODES.has(code)) || responseCode === 530 || responseCode === 534 || responseCode === 535) {
    return { ...base, kind: 'fatal', serverWide: true };
  }
  if (responseCode !== undefined && responseCode >= 500 && responseCode < 600) {
    // A 5xx before any recipient (greeting, EHLO, our MAIL FROM) refuses us, not this message:
    // dead-lettering would drain the whole backlog into the DLQ. Treat it like bad credentials.
    if (command && SESSION_COMMANDS.some((c) => command.startsWith(c))) return { ...base, kind: 'fatal', serverWide: true };
    return { ...base, kind: 'permanent', serverWide: false };
  }
  if (responseCode === 421) return { ...base, kind: 'transient', serverWide: true };
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) {
    return { ...base, kind: 'transient', serverWide: false };
  }
  if (code === 'EENVELOPE' || code === 'EMESSAGE') return { ...base, kind: 'permanent', serverWide: false };
  if (code && NETWORK_CODES.has(code)) return { ...base, kind: 'transient', serverWide: true };
  // Unknown failures are retried: a retry costs a little time, a wrong DLQ costs an email.
  return { ...base, kind: 'transient', serverWide: false };
}

/**
 * Why a verify or send failed for good on TLS, if it did: the server would not upgrade to TLS although
 * SMTP_REQUIRE_TLS forbids plaintext, or its certificate does not verify. Retrying changes neither,
 * and neither may fall back to sending without TLS.
 */
export function tlsRefusalReason(err: unknown): string | undefined {
  const e = (err ?? {}) as { code?: unknown; originalCode?: unknown; responseCode?: unknown; message?: unknown };
  const detail = String(e.message ?? err)
    .replace(/\s+/g, ' ')
    .trim();
  // The server answered STARTTLS with an error (nodemailer sends it even when not advertised, under
  // requireTLS); a connection dropped mid-handshake has no reply and stays a transient failure.
  if (e.code === 'ETLS' && typeof e.responseCode === 'number')
    return `SMTP server did not upgrade to TLS (${detail}); SMTP_REQUIRE_TLS=true forbids sending without it`;
  if (tlsRefusal(e.originalCode) === 'server-certificate') {
    return `SMTP server certificate does not verify (${detail}); set SMTP_TLS_CA_FILE to the CA that signed it, or SMTP_TLS_REJECT_UNAUTHORIZED=false to accept it unverified`;
  }
  return undefined;
}

/** Postfix "Relay access denied", Exim "relay not permitted", Sendmail "Relaying denied", and the like. */
const RELAYING_REFUSED = /relay(?:ing)?\s+(?:access\s+)?(?:denied|not\s+permitted|prohibited|refused)|not\s+permitted\s+to\s+relay|unable\s+to\s+relay/i;

/**
 * Why a relay refuses us whatever the message, if it does: our login (after the previous password
 * was tried), our sender or session (a 5xx before any recipient), its relaying policy (a relaying
 * refusal at RCPT), or its certificate. Another relay may well take the same message, and waiting
 * does not change the answer. A recipient's own 5xx is not one of these.
 */
export function relayRefusalReason(err: unknown): string | undefined {
  const tls = tlsRefusalReason(err);
  if (tls !== undefined) return tls;
  const failure = classifySmtpError(err);
  if (failure.kind === 'fatal') return failure.message;
  if (failure.kind === 'permanent' && RELAYING_REFUSED.test(failure.message)) return failure.message;
  return undefined;
}
