import type { Logger } from 'pino';

import type { WelcomeSite } from '../email/render-welcome-email.js';
import type { SentLedger } from '../ledger/sent-ledger.js';
import type { Capacity } from '../pipeline/capacity.js';
import type { ConsumedRecord, Outcome } from '../pipeline/outcome.js';
import type { Metrics } from '../platform/metrics.js';
import type { RetryPolicy } from '../platform/retry-policy.js';
import type { SmtpFailure } from '../smtp/errors.js';
import type { Mailer } from '../smtp/mailer.js';
import type { SendBreaker } from '../smtp/relays/circuit-breaker.js';
import type { SendRate } from './rate/send-rate.js';

export interface DispatcherOptions {
  readonly mailer: Mailer;
  readonly ledger: SentLedger;
  /** Open when no relay answers: sends hold. Told of every success and server-wide failure. */
  readonly breaker: SendBreaker;
  readonly capacity: Capacity;
  readonly policy: RetryPolicy;
  readonly workerCount: number;
  /** Sends started per second by this pool; 0 = unlimited. */
  readonly rateLimitPerSecond: number;
  /** A budget shared with other replicas (cluster scope), taken before each send. @default none: per pod (EMAIL_RATE_LIMIT_SCOPE=pod) the worker pool's own interval cap is the limit */
  readonly sendRate?: SendRate;
  /** The sender and the templates every email is rendered with. */
  readonly email: WelcomeSite;
  /** EMAIL_UNMAPPED_EVENT_TYPES: an event whose type no template set serves is settled as skipped, or dead-lettered (invalid_event). @default 'dlq' */
  readonly unmappedEventTypes?: UnmappedEventTypes;
  /** Makes the outcome durable (DLQ ack) and settles the offset. Rejects only when aborted. */
  readonly settle: (record: ConsumedRecord, outcome: Outcome, signal: AbortSignal) => Promise<void>;
  /** A failure no retry can fix (SMTP auth): the service must stop without dead-lettering. */
  readonly onFatal: (failure: SmtpFailure) => void;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/**
 * Why sends are held: the SMTP circuit is open, a rebalance is under way (partitions may move,
 * so nothing new starts until the new assignment is known), or too many settled offsets wait for a
 * commit the broker has not confirmed (each more would be mailed again after the next rebalance).
 */
/** What happens to an event of a type no template set serves. */
export type UnmappedEventTypes = 'skip' | 'dlq';

export type HoldReason = 'circuit' | 'rebalance' | 'commit';
