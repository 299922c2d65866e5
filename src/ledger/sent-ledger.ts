/** What the ledger remembers of a send, for the receipt of a later duplicate. */
export interface SentRecord {
  readonly messageId: string;
  /** The relay that took it ('primary' or 'fallback'); undefined without a fallback relay. */
  readonly relay: string | undefined;
}

/** The event went out already; what the ledger remembers of that send (nothing, for a record of an older release). */
export interface AlreadySent {
  readonly kind: 'already-sent';
  readonly messageId: string | undefined;
  readonly relay: string | undefined;
}

/**
 * The idempotency hook. `claim` before a send: 'claimed' → go ahead; already sent → skip and
 * settle (the bare 'already-sent' from a ledger that keeps no details); 'busy' → another instance
 * holds the claim right now, or this process is still sending the event, try later. `markSent`
 * after the SMTP server accepted; `release` after a failed attempt so a retry can claim again.
 * Every 'claimed' must end in exactly one `markSent` or `release`: the claim is held (and its lease
 * renewed) until then.
 */
export type ClaimResult = 'claimed' | 'busy' | 'already-sent' | AlreadySent;

export interface SentLedger {
  claim(eventId: string): Promise<ClaimResult>;
  markSent(eventId: string, sent?: SentRecord): Promise<void>;
  release(eventId: string): Promise<void>;
  close(): Promise<void>;
}

/** The 'already-sent' of a claim in its full form, or undefined for 'claimed' and 'busy'. */
export function alreadySent(claim: ClaimResult): AlreadySent | undefined {
  if (claim === 'already-sent') return { kind: 'already-sent', messageId: undefined, relay: undefined };
  return typeof claim === 'object' ? claim : undefined;
}

/** No ledger configured: every event is claimable (plain at-least-once). */
export const noLedger: SentLedger = {
  claim: async () => 'claimed',
  markSent: async () => {},
  release: async () => {},
  close: async () => {},
};
