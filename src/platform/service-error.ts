/**
 * Every code the service's own errors carry, and whether trying again can help: the one list a
 * caller consults (a retry loop, an exit code, a log line) instead of the class that threw.
 */
export const SERVICE_ERROR_CODES = {
  /** A variable is invalid: fix the deployment. */
  ERR_CONFIG: { retryable: false },
  /** SMTP refused the credentials, or a TLS peer could not be verified, at start. */
  ERR_FATAL_STARTUP: { retryable: false },
  /** Kafka did not answer the start-up topic check in time: a restart tries again. */
  ERR_KAFKA_UNREACHABLE: { retryable: true },
  /** The strict sent ledger cannot reach Redis: hold the message and try again. */
  ERR_LEDGER_UNAVAILABLE: { retryable: true },
  /** A send passed SMTP_SEND_TIMEOUT_MS; its connection was closed. */
  ESENDTIMEOUT: { retryable: true },
  /** An address needs SMTPUTF8 and the relay does not offer it: this relay can never take the message. */
  ESMTPUTF8: { retryable: false },
  /** A bad redrive command line. */
  ERR_REDRIVE_USAGE: { retryable: false },
  /** The DLQ topic does not exist (or the client may not describe it). */
  ERR_REDRIVE_NO_TOPIC: { retryable: false },
  /** The group holds offsets for another selection, or offsets not written by the redrive tool. */
  ERR_REDRIVE_GROUP_MISMATCH: { retryable: false },
  /** Another member is in the group: a second run of the same selection; try once it ended. */
  ERR_REDRIVE_GROUP_BUSY: { retryable: true },
  /** Kafka did not answer the redrive's first request in time (--connect-timeout). */
  ERR_REDRIVE_BROKER_UNREACHABLE: { retryable: true },
  /** The broker did not acknowledge a republished record in time; a re-run resumes. */
  ERR_REDRIVE_PUBLISH_TIMEOUT: { retryable: true },
  /** KafkaJS gave up on the redrive consumer; a re-run resumes. */
  ERR_REDRIVE_CONSUMER_CRASHED: { retryable: true },
} as const satisfies Record<string, { readonly retryable: boolean }>;

export type ServiceErrorCode = keyof typeof SERVICE_ERROR_CODES;

/** The one shape of the service's errors: a stable code, whether a retry can help, and the cause. */
export class ServiceError<Code extends ServiceErrorCode = ServiceErrorCode> extends Error {
  readonly code: Code;
  readonly retryable: boolean;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.retryable = SERVICE_ERROR_CODES[code].retryable;
    this.name = new.target.name;
  }
}

/** The configuration (or a template, or a topic it names) is unusable; one line per problem. Exit code 2. */
export class ConfigError extends ServiceError<'ERR_CONFIG'> {
  constructor(readonly problems: readonly string[]) {
    super('ERR_CONFIG', `invalid configuration:\n${problems.join('\n')}`);
  }
}

/** A startup failure that retrying cannot fix (bad SMTP credentials, say, or a server certificate that does not verify). */
export class FatalStartupError extends ServiceError<'ERR_FATAL_STARTUP'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_FATAL_STARTUP', message, options);
  }
}

/** Raised by a strict ledger that cannot reach its store: hold the message, spend no attempt. */
export class LedgerUnavailableError extends ServiceError<'ERR_LEDGER_UNAVAILABLE'> {
  constructor(options?: { cause?: unknown }) {
    super('ERR_LEDGER_UNAVAILABLE', 'sent ledger unavailable', options);
  }
}

/** The stable code of `SendTimeoutError`, nodemailer style (`ETIMEDOUT`, `ECONNECTION`, …). */
export const ESENDTIMEOUT = 'ESENDTIMEOUT' satisfies ServiceErrorCode;

/**
 * A send that did not finish within its whole-send deadline (`SMTP_SEND_TIMEOUT_MS`). Its connection
 * was closed before the error was thrown, so the server cannot complete the message afterwards;
 * `classifySmtpError` retries it like a timeout.
 */
export class SendTimeoutError extends ServiceError<typeof ESENDTIMEOUT> {
  constructor(readonly timeoutMs: number) {
    // No envelope or server reply in the text: it is logged as is.
    super(ESENDTIMEOUT, `SMTP send did not finish within ${timeoutMs} ms (SMTP_SEND_TIMEOUT_MS); its connection was closed`);
  }
}

/** The error code of a send refused because the relay does not offer SMTPUTF8, nodemailer style. */
export const ESMTPUTF8 = 'ESMTPUTF8' satisfies ServiceErrorCode;

/**
 * An envelope with a UTF-8 address (a UTF-8 local part: domains go as A-labels) and a relay that does not
 * offer SMTPUTF8 (RFC 6531 3.4: such a message must not be sent). nodemailer would send the UTF-8 bytes
 * anyway, without the SMTPUTF8 keyword; this stops it first. Permanent for this relay, so the event is
 * dead-lettered (`smtputf8_unsupported`) and can be redriven once a relay that offers it is configured.
 */
export class SmtpUtf8UnsupportedError extends ServiceError<typeof ESMTPUTF8> {
  constructor() {
    super(ESMTPUTF8, 'the SMTP relay does not offer SMTPUTF8 (RFC 6531), which an address with a UTF-8 local part needs');
  }
}

/** A bad redrive command line: the message names the option. Exit code 2. */
export class RedriveUsageError extends ServiceError<'ERR_REDRIVE_USAGE'> {
  constructor(message: string) {
    super('ERR_REDRIVE_USAGE', message);
  }
}

/** The codes a redrive run can end with (their meaning and whether a re-run helps: `SERVICE_ERROR_CODES`). */
export const REDRIVE_ERROR_CODES = {
  noTopic: 'ERR_REDRIVE_NO_TOPIC',
  brokerUnreachable: 'ERR_REDRIVE_BROKER_UNREACHABLE',
  groupMismatch: 'ERR_REDRIVE_GROUP_MISMATCH',
  groupBusy: 'ERR_REDRIVE_GROUP_BUSY',
  publishTimeout: 'ERR_REDRIVE_PUBLISH_TIMEOUT',
  consumerCrashed: 'ERR_REDRIVE_CONSUMER_CRASHED',
} as const satisfies Record<string, ServiceErrorCode>;

export type RedriveErrorCode = (typeof REDRIVE_ERROR_CODES)[keyof typeof REDRIVE_ERROR_CODES];

/** A redrive that cannot go on. Nothing after the last commit was lost: re-running resumes there. */
export class RedriveError extends ServiceError<RedriveErrorCode> {}
