import { truncate } from '../platform/truncate.js';
import { scrubAddresses } from '../platform/logger.js';
import { ESENDTIMEOUT } from './send-timeout-error.js';

/**
 * transient: try again later (4xx, network, timeout). permanent: this message can never be
 * sent (5xx, bad envelope). fatal: the service itself is misconfigured (auth) and must stop.
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
}

// ESENDTIMEOUT (our whole-send deadline) is a timeout like ETIMEDOUT: a server that stalls every reply does so for all.
const NETWORK_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', ESENDTIMEOUT, 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETLS', 'EPROTOCOL']);
const AUTH_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2']);
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
  if ((code && AUTH_CODES.has(code)) || responseCode === 530 || responseCode === 534 || responseCode === 535) {
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
