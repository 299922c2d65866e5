import { createHash } from 'node:crypto';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths that could carry a secret or an email address. Components log addresses only as
 * `addressHash(...)`; these paths are the safety net for anything that slips through.
 */
export const REDACT_PATHS = [
  'password', '*.password', 'pass', '*.pass', 'auth', '*.auth',
  'smtp.pass', 'sasl', '*.sasl', 'saslPassword', '*.saslPassword',
  'email', '*.email', 'to', '*.to', 'address', '*.address', 'user.email', '*.user.email',
  'redisUrl', '*.redisUrl',
];

export function createLogger({ level, destination }: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level,
      base: { service: 'email-dispatcher' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** A stable, non-reversible correlation id for an address (lower-cased, sha256, 12 hex chars). */
export function addressHash(address: string): string {
  return createHash('sha256').update(address.trim().toLowerCase()).digest('hex').slice(0, 12);
}

const EMAIL_LIKE = /[^\s<>()"',;:]+@[^\s<>()"',;:]+/g;

/** Removes anything that looks like an email address from free text (SMTP replies echo them). */
export function scrubAddresses(text: string): string {
  return text.replace(EMAIL_LIKE, '[address]');
}
