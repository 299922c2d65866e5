import type { Mailer } from '../mailer.js';
import type { CircuitBreaker } from './circuit-breaker.js';

export type RelayName = 'primary' | 'fallback';

/** One SMTP relay: its own pool of connections and its own circuit breaker (probing it while open). */
export interface Relay {
  readonly name: RelayName;
  readonly mailer: Mailer;
  readonly breaker: CircuitBreaker;
}

/** The error with the relay that raised it (`relay`): the start's one line and a receipt name it. */
export function tagRelay(err: unknown, relay: RelayName): unknown {
  return err !== null && typeof err === 'object' ? Object.assign(err, { relay }) : err;
}
