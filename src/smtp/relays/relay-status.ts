import type { CircuitBreaker, CircuitState } from './circuit-breaker.js';

/** A relay as /readyz shows it. */
export interface RelayStatus {
  readonly circuit: CircuitState;
  readonly openSince?: string;
  /** Why it refuses us, while it does (a reply, never a credential). */
  readonly refused?: string;
}

/** The relay's circuit, since when it is open and why it refuses us. */
export function relayStatus({ state, openSince, refused }: Pick<CircuitBreaker, 'state' | 'openSince' | 'refused'>): RelayStatus {
  return {
    circuit: state,
    ...(openSince !== undefined ? { openSince: new Date(openSince).toISOString() } : {}),
    ...(refused !== undefined ? { refused } : {}),
  };
}
