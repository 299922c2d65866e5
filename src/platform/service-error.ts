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
