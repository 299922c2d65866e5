import type { Logger } from 'pino';

import { alreadySent, type SentLedger } from '../ledger/sent-ledger.js';
import { WELCOME_SET } from '../pipeline/event-routes.js';
import { smtpCodeClass } from '../platform/delivery-metrics.js';
import type { Metrics } from '../platform/metrics.js';
import { LedgerUnavailableError } from '../platform/service-error.js';
import { classifySmtpError, type SmtpFailure } from '../smtp/errors.js';
import type { Delivery, Mailer } from '../smtp/mailer.js';
import type { Letter } from './job-board.js';

/** How one attempt ended. */
export type AttemptResult =
  /** The ledger says another send already went out: settle without sending. Its Message-ID and relay, as far as the ledger knows. */
  | { readonly kind: 'duplicate'; readonly messageId: string; readonly relay: string | undefined }
  /** Another instance holds the claim, or a strict ledger is unreachable: look again later. */
  | { readonly kind: 'try-later' }
  /** Told not to go on after the claim (revoked, closed, held): the claim was freed, nothing sent. */
  | { readonly kind: 'withdrawn' }
  | { readonly kind: 'sent'; readonly smtpReply: string | undefined; readonly relay: string | undefined }
  | { readonly kind: 'failed'; readonly failure: SmtpFailure };

export interface SendAttemptOptions {
  readonly mailer: Pick<Mailer, 'send'>;
  readonly ledger: SentLedger;
  readonly metrics: Pick<Metrics, 'duplicatesSkipped' | 'sendDuration' | 'sendFailures' | 'sent' | 'ledgerErrors'>;
  readonly logger: Logger;
}

/**
 * Claims the letter in the sent ledger, sends it and records the send. `proceed` is asked once the
 * claim is held (the job may have been revoked or held meanwhile); `onExchange` is called when the
 * SMTP exchange begins. The claim is freed after a failure, so a retry (ours or the next owner's)
 * can claim again without waiting out the lease.
 */
export async function sendAttempt(
  { mailer, ledger, metrics, logger }: SendAttemptOptions,
  { eventId, prepared }: Letter,
  { proceed, onExchange }: { proceed: () => boolean; onExchange: () => void },
): Promise<AttemptResult> {
  const { messageId } = prepared.mail;
  try {
    const claim = await ledger.claim(eventId);
    const sent = alreadySent(claim);
    if (sent) {
      metrics.duplicatesSkipped.inc();
      // The original send's Message-ID: this letter's may differ (EMAIL_FROM's domain changed since).
      return { kind: 'duplicate', messageId: sent.messageId ?? messageId, relay: sent.relay };
    }
    if (claim === 'busy') return { kind: 'try-later' };
  } catch (err) {
    // The ledger logs the outage itself (rate-limited); one line per held message would flood.
    logger.debug({ err, eventId, unavailable: err instanceof LedgerUnavailableError }, 'sent ledger claim failed; holding message');
    return { kind: 'try-later' };
  }
  if (!proceed()) {
    await ledger.release(eventId).catch(() => {});
    return { kind: 'withdrawn' };
  }

  onExchange();
  const started = performance.now();
  let delivery: Delivery | void;
  try {
    delivery = await mailer.send(prepared);
  } catch (err) {
    const failure = { ...classifySmtpError(err), relay: relayOf(err) };
    const labels = { relay: failure.relay ?? 'primary', smtp_code_class: smtpCodeClass(failure.responseCode) };
    metrics.sendDuration.observe({ outcome: failure.kind, ...labels }, (performance.now() - started) / 1000);
    metrics.sendFailures.inc({ class: failure.kind, ...labels });
    await ledger.release(eventId).catch(() => {});
    return { kind: 'failed', failure };
  }
  // A reply we could not read is still an acceptance: nodemailer resolves only on a 2xx.
  metrics.sendDuration.observe({ outcome: 'sent', relay: delivery?.relay ?? 'primary', smtp_code_class: '2xx' }, (performance.now() - started) / 1000);
  metrics.sent.inc({ template: prepared.mail.template ?? WELCOME_SET });
  await ledger.markSent(eventId, { messageId, relay: delivery?.relay }).catch((err: unknown) => {
    metrics.ledgerErrors.inc();
    logger.warn({ err, eventId }, 'sent ledger could not record a sent event');
  });
  return { kind: 'sent', smtpReply: delivery?.reply, relay: delivery?.relay };
}

/** The relay an error came from, when `SmtpRelays` tagged it (with a fallback relay). */
function relayOf(err: unknown): string | undefined {
  const relay = (err as { relay?: unknown } | null)?.relay;
  return typeof relay === 'string' ? relay : undefined;
}
