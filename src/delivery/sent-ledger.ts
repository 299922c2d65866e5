import { ServiceError } from '../platform/service-error.js';

/**
 * The idempotency hook. `claim` before a send: 'claimed' → go ahead; 'already-sent' → skip and
 * settle; 'busy' → another instance holds the claim right now, try later. `markSent` after the
 * SMTP server accepted; `release` after a failed attempt so a retry can claim again.
 */
export type ClaimResult = 'claimed' | 'already-sent' | 'busy';

export interface SentLedger {
  claim(eventId: string): Promise<ClaimResult>;
  markSent(eventId: string): Promise<void>;
  release(eventId: string): Promise<void>;
  close(): Promise<void>;
}

/** Raised by a strict ledger that cannot reach its store: hold the message, spend no attempt. */
export class LedgerUnavailableError extends ServiceError<'ERR_LEDGER_UNAVAILABLE'> {
  constructor(options?: { cause?: unknown }) {
    super('ERR_LEDGER_UNAVAILABLE', 'sent ledger unavailable', options);
  }
}

/** No ledger configured: every event is claimable (plain at-least-once). */
export const noLedger: SentLedger = {
  claim: async () => 'claimed',
  markSent: async () => {},
  release: async () => {},
  close: async () => {},
};
