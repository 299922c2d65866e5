import { type SmtpSink, startSmtpSink } from '../smtp-sink.js';
import type { Ledger } from './ledger.js';
import { eventIdFromMessageId } from './signup-fixture.js';

export interface LedgerSink {
  readonly sink: SmtpSink;
  /** Failures the sink injected, by kind: each 550 must come back as one `smtp_permanent` DLQ record. */
  readonly injected: { readonly transient: number; readonly permanent: number };
}

/**
 * The load test's SMTP sink: every accepted mail is entered in the ledger by the eventId in its
 * Message-ID. Failures are drawn by the sink's own failure plan; the random source is wrapped to
 * count them (the plan answers 550 when the roll is below the permanent share, 451 when below
 * permanent + transient).
 */
export async function startLedgerSink({
  ledger,
  port,
  latencyMs,
  transientRate,
  permanentRate,
}: {
  ledger: Ledger;
  port: number;
  latencyMs: number;
  transientRate: number;
  permanentRate: number;
}): Promise<LedgerSink> {
  const injected = { transient: 0, permanent: 0 };
  const random = (): number => {
    const roll = Math.random();
    if (roll < permanentRate) injected.permanent += 1;
    else if (roll < permanentRate + transientRate) injected.transient += 1;
    return roll;
  };
  const sink = await startSmtpSink({
    port,
    latencyMs,
    store: false,
    trackIds: false,
    random,
    onMail: (mail) => ledger.delivered(eventIdFromMessageId(mail.messageId) ?? '', mail.receivedAt.getTime()),
  });
  sink.setFailureRate({ transient: transientRate, permanent: permanentRate });
  return { sink, injected };
}
