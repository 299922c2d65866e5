import { type DestinationStream, type Logger, pino } from 'pino';

/**
 * Paths that could carry a secret or an email address. Components never log an address: a log line
 * names the event by its id, and free text that may echo one (an SMTP reply, an error) goes through
 * `scrubAddresses` first. These paths are the safety net for anything that slips through.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'pass',
  '*.pass',
  'auth',
  '*.auth',
  'smtp.pass',
  'sasl',
  '*.sasl',
  'saslPassword',
  '*.saslPassword',
  'email',
  '*.email',
  'to',
  '*.to',
  'address',
  '*.address',
  'user.email',
  '*.user.email',
  'redisUrl',
  '*.redisUrl',
];

/**
 * Without a destination the logger writes each line to stdout synchronously, not through pino's
 * default asynchronous buffer: a process killed with SIGKILL (the OOM killer, a liveness kill) keeps
 * every line it logged — its last ones are the ones that explain it. It costs no more CPU per line
 * than the asynchronous write (bench/settle-log.ts). The price: a stdout pipe whose reader stalls
 * blocks the event loop instead of growing a buffer without bound (a container runtime reads it
 * continuously; Node's own process.stdout writes to a pipe synchronously on Linux too).
 */
export function createLogger({ level, destination = pino.destination({ dest: 1, sync: true }) }: { level: string; destination?: DestinationStream }): Logger {
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

const EMAIL_LIKE = /[^\s<>()"',;:]+@[^\s<>()"',;:]+/g;

/** Removes anything that looks like an email address from free text (SMTP replies echo them). */
export function scrubAddresses(text: string): string {
  return text.replace(EMAIL_LIKE, '[address]');
}
