/** The SMTP stage at which an injected failure is answered. */
export type FailureStage = 'mail' | 'rcpt' | 'data';

export interface InjectedFailure {
  code: number;
  message: string;
  at: FailureStage;
}

export interface FailureRates {
  /** Share of transactions answered `451 4.7.1` at RCPT (0..1). @default 0 */
  transient?: number;
  /** Share of transactions answered `550 5.1.1` at RCPT (0..1). @default 0 */
  permanent?: number;
}

export interface RecipientFailures {
  /**
   * Share of recipients refused at RCPT (0..1), picked by a stable hash of the lower-cased address: a
   * retry meets the same verdict, and the same run of addresses always picks the same recipients.
   */
  share: number;
  /** @default 451 */
  code?: number;
  /** Refuse a picked recipient on its first attempt only and accept its retries (greylisting). @default false */
  firstAttemptOnly?: boolean;
}

export interface FailurePlan {
  /** The next `count` transactions fail with `code` (scripted failures come before random ones). */
  failNext(count: number, code: number, message?: string, options?: { at?: FailureStage }): void;
  setFailureRate(rates: FailureRates): void;
  /** Replaces the recipient failures (`share: 0` turns them off) and forgets which first attempts were refused. */
  setRecipientFailures(failures: RecipientFailures): void;
  /** Decides the fate of one transaction; called once per MAIL FROM. */
  take(): InjectedFailure | undefined;
  /** Decides the fate of one recipient of a transaction `take()` let through; called once per RCPT TO. */
  takeRecipient(address: string): InjectedFailure | undefined;
  clear(): void;
}

/**
 * Replies shaped like a real MTA's, enhanced status code included (RFC 3463), because the sink runs
 * with smtp-server's enhanced codes hidden. 421 makes smtp-server close the connection, like a real
 * server going away (RFC 5321 §3.8).
 */
export function defaultReply(code: number): string {
  switch (code) {
    case 421:
      return '4.3.2 Service not available, closing transmission channel';
    case 450:
      return '4.2.1 Mailbox busy, try again later';
    case 451:
      return '4.7.1 Try again later';
    case 452:
      return '4.3.1 Insufficient system storage';
    case 550:
      return '5.1.1 No such user';
    case 552:
      return '5.2.2 Mailbox full';
    case 553:
      return '5.1.3 Bad recipient address syntax';
    case 554:
      return '5.7.1 Message rejected';
    default:
      return `${code >= 500 ? 5 : 4}.0.0 Injected failure`;
  }
}

/** FNV-1a: a stable, cheap spread of addresses over 0..9999. */
function bucket(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) % 10_000;
}

const NO_RECIPIENT_FAILURES: Required<RecipientFailures> = { share: 0, code: 451, firstAttemptOnly: false };

export function createFailurePlan({ random = Math.random }: { random?: () => number } = {}): FailurePlan {
  const scripted: InjectedFailure[] = [];
  let rates = { transient: 0, permanent: 0 };
  let recipients = NO_RECIPIENT_FAILURES;
  /** Recipients whose first attempt was refused (firstAttemptOnly). */
  const refusedOnce = new Set<string>();
  return {
    failNext(count, code, message, { at = 'rcpt' } = {}) {
      if (!Number.isInteger(count) || count < 0) throw new RangeError(`Expected count to be an integer >= 0, got ${count}`);
      if (!Number.isInteger(code) || code < 400 || code > 599) throw new RangeError(`Expected an SMTP failure code 400..599, got ${code}`);
      for (let i = 0; i < count; i++) scripted.push({ code, message: message ?? defaultReply(code), at });
    },
    setFailureRate({ transient = 0, permanent = 0 }) {
      for (const [name, value] of [
        ['transient', transient],
        ['permanent', permanent],
      ] as const) {
        if (!(value >= 0 && value <= 1)) throw new RangeError(`Expected ${name} rate in 0..1, got ${value}`);
      }
      if (transient + permanent > 1) throw new RangeError(`Expected transient + permanent <= 1, got ${transient + permanent}`);
      rates = { transient, permanent };
    },
    setRecipientFailures({ share, code = 451, firstAttemptOnly = false }) {
      if (!(share >= 0 && share <= 1)) throw new RangeError(`Expected a share in 0..1, got ${share}`);
      if (!Number.isInteger(code) || code < 400 || code > 599) throw new RangeError(`Expected an SMTP failure code 400..599, got ${code}`);
      recipients = { share, code, firstAttemptOnly };
      refusedOnce.clear();
    },
    take() {
      const next = scripted.shift();
      if (next !== undefined) return next;
      if (rates.transient === 0 && rates.permanent === 0) return undefined;
      const roll = random();
      if (roll < rates.permanent) return { code: 550, message: defaultReply(550), at: 'rcpt' };
      if (roll < rates.permanent + rates.transient) return { code: 451, message: defaultReply(451), at: 'rcpt' };
      return undefined;
    },
    takeRecipient(address) {
      const { share, code, firstAttemptOnly } = recipients;
      if (share === 0) return undefined;
      const rcpt = address.toLowerCase();
      if (bucket(rcpt) >= share * 10_000) return undefined;
      if (firstAttemptOnly) {
        if (refusedOnce.has(rcpt)) return undefined;
        refusedOnce.add(rcpt);
      }
      return { code, message: defaultReply(code), at: 'rcpt' };
    },
    clear() {
      scripted.length = 0;
      rates = { transient: 0, permanent: 0 };
      recipients = NO_RECIPIENT_FAILURES;
      refusedOnce.clear();
    },
  };
}
