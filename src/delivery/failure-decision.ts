import type { DlqReason } from '../pipeline/outcome.js';
import { nextRetry, type RetryPolicy } from '../platform/retry-policy.js';
import { ESMTPUTF8 } from '../platform/service-error.js';
import type { SmtpFailure } from '../smtp/errors.js';

/** What to do with a message whose send attempt failed. */
export type FailureDecision =
  /** Credentials or configuration rejected: stop the service, dead-letter nothing. */
  | { readonly kind: 'stop' }
  /** The server as a whole is down (circuit open): queue it again without spending an attempt. */
  | { readonly kind: 'hold' }
  | { readonly kind: 'retry'; readonly attempts: number; readonly delayMs: number }
  | { readonly kind: 'dead-letter'; readonly reason: Exclude<DlqReason, 'invalid_event'>; readonly attempts: number };

/**
 * The one place that decides, from the failure, the attempts made before this one and the policy.
 * `serverDown` is the circuit breaker's verdict after counting this failure.
 */
export function decideOnFailure({
  failure,
  attemptsBefore,
  policy,
  serverDown,
}: {
  failure: SmtpFailure;
  attemptsBefore: number;
  policy: RetryPolicy;
  serverDown: boolean;
}): FailureDecision {
  switch (failure.kind) {
    case 'fatal':
      return { kind: 'stop' };
    case 'permanent':
      // Its own reason, so these can be redriven once a relay that offers SMTPUTF8 is configured.
      return { kind: 'dead-letter', reason: failure.code === ESMTPUTF8 ? 'smtputf8_unsupported' : 'smtp_permanent', attempts: attemptsBefore + 1 };
    case 'transient': {
      if (failure.serverWide && serverDown) return { kind: 'hold' };
      const attempts = attemptsBefore + 1;
      const delayMs = nextRetry(policy, attempts);
      return delayMs === undefined ? { kind: 'dead-letter', reason: 'retries_exhausted', attempts } : { kind: 'retry', attempts, delayMs };
    }
    default: {
      const never: never = failure.kind;
      throw new Error(`unknown failure kind ${String(never)}`);
    }
  }
}
