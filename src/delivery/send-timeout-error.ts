/** The stable code of `SendTimeoutError`, nodemailer style (`ETIMEDOUT`, `ECONNECTION`, …). */
export const ESENDTIMEOUT = 'ESENDTIMEOUT';

/**
 * A send that did not finish within its whole-send deadline (`SMTP_SEND_TIMEOUT_MS`). Its connection
 * was closed before the error was thrown, so the server cannot complete the message afterwards;
 * `classifySmtpError` retries it like a timeout.
 */
export class SendTimeoutError extends Error {
  readonly code = ESENDTIMEOUT;

  constructor(readonly timeoutMs: number) {
    // No envelope or server reply in the text: it is logged as is.
    super(`SMTP send did not finish within ${timeoutMs} ms (SMTP_SEND_TIMEOUT_MS); its connection was closed`);
    this.name = 'SendTimeoutError';
  }
}
