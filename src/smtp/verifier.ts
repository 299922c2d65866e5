import type { Logger } from 'pino';

import { FatalStartupError } from '../platform/service-error.js';
import { sleep } from '../platform/sleep.js';
import { classifySmtpError, tlsRefusalReason } from './errors.js';

export interface SmtpVerifierOptions {
  readonly verify: () => Promise<unknown>;
  /** Time between background retries. */
  readonly retryMs: number;
  readonly onVerified: () => void;
  /** The credentials were rejected, or TLS refused, after the first try: the service must stop. */
  readonly onFatal: (reason: string) => void;
  readonly logger: Logger;
}

/**
 * Verifies SMTP for readiness. The first try runs before consuming: bad credentials or a TLS refusal
 * stop the start (nothing consumed, nothing dead-lettered). Other failures are retried in the background every
 * `retryMs`; credentials rejected later stop the service the same way.
 */
export function createSmtpVerifier(o: SmtpVerifierOptions) {
  const loop = new AbortController();

  async function attempt(n: number): Promise<'verified' | 'retry' | 'done'> {
    try {
      await o.verify();
      o.onVerified();
      o.logger.info('SMTP server verified');
      return 'verified';
    } catch (err) {
      if (loop.signal.aborted) return 'done';
      // SmtpRelays tags which relay refused: a refusing fallback is named by its own variables.
      const fallback = (err as { relay?: unknown } | undefined)?.relay === 'fallback';
      const refused = tlsRefusalReason(err);
      if (refused !== undefined && n === 1)
        throw new FatalStartupError(fallback ? `the fallback SMTP relay (SMTP_FALLBACK_HOST): ${refused}` : refused, { cause: err });
      if (refused !== undefined) {
        o.logger.fatal({ error: refused }, 'SMTP TLS refused; stopping');
        o.onFatal('SMTP TLS refused');
        return 'done';
      }
      const failure = classifySmtpError(err);
      if (failure.kind === 'fatal' && n === 1) {
        const what = fallback
          ? `the fallback SMTP relay (SMTP_FALLBACK_HOST) rejected the credentials of SMTP_FALLBACK_USER / SMTP_FALLBACK_PASS`
          : 'SMTP rejected the configured credentials';
        throw new FatalStartupError(`${what} (${failure.message})`, { cause: err });
      }
      if (failure.kind === 'fatal') {
        o.logger.fatal({ code: failure.code, error: failure.message }, 'SMTP rejected the configured credentials; stopping');
        o.onFatal('SMTP authentication failed');
        return 'done';
      }
      if (n === 1)
        o.logger.warn({ code: failure.code, responseCode: failure.responseCode, error: failure.message }, 'SMTP verify failed; retrying in the background');
      return 'retry';
    }
  }

  async function background(): Promise<void> {
    for (let n = 2; !loop.signal.aborted; n += 1) {
      try {
        await sleep(o.retryMs, loop.signal);
      } catch {
        return;
      }
      if ((await attempt(n)) !== 'retry') return;
    }
  }

  return {
    /** The first try; rejects with FatalStartupError on bad credentials, else resolves (retrying in the background). */
    async start(): Promise<void> {
      if ((await attempt(1)) === 'retry') void background();
    },
    /** Ends the background retries; idempotent. */
    stop(): void {
      loop.abort();
    },
  };
}
