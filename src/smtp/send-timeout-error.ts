import { ServiceError } from '../platform/service-error.js';

/** The stable code of `SendTimeoutError`, nodemailer style (`ETIMEDOUT`, `ECONNECTION`, …). */
export const ESENDTIMEOUT = 'ESENDTIMEOUT';

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
