import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import type { CircuitBreaker, CircuitState } from './circuit-breaker.js';
import type { Delivery, Mailer, PreparedMail } from './mailer.js';
import { classifySmtpError } from './smtp-errors.js';

export type RelayName = 'primary' | 'fallback';

/** One SMTP relay: its own pool of connections and its own circuit breaker (probing it while open). */
export interface Relay {
  readonly name: RelayName;
  readonly mailer: Mailer;
  readonly breaker: CircuitBreaker;
}

/** What the dispatcher needs of a breaker: is the way out closed, and what a send's result says. */
export type SendBreaker = Pick<CircuitBreaker, 'state' | 'recordSuccess' | 'recordServerFailure'>;

export interface SmtpRelaysOptions {
  readonly primary: Relay;
  readonly fallback: Relay;
  readonly metrics: Pick<Metrics, 'relayCircuitOpen' | 'relaySends'>;
  readonly logger: Logger;
  /** Both relays down, or one back up: the dispatcher holds or resumes, intake pauses or fetches. */
  readonly onChange: (state: CircuitState) => void;
}

/** Raised when neither relay's circuit is closed; classified as a server-wide outage (hold, spend nothing). */
const ALL_DOWN = 'ECONNECTION';

/**
 * The primary relay and a fallback (SMTP_FALLBACK_HOST). Sends go to the primary while its circuit is
 * closed; when it opens, to the fallback, while the primary's breaker keeps probing it; when the
 * primary answers again, traffic returns to it. Each relay counts its own server-wide failures. The
 * breaker the dispatcher sees (`breaker`) is open only when both are: then today's hold-and-probe
 * applies.
 */
export class SmtpRelays implements Mailer {
  readonly #o: SmtpRelaysOptions;
  #allDown = false;
  /** Open only while both relays are down; its counting is done per relay by `send`. */
  readonly breaker: SendBreaker;

  constructor(options: SmtpRelaysOptions) {
    this.#o = options;
    const isAllDown = () => this.#allDown;
    this.breaker = {
      get state() {
        return isAllDown() ? 'open' : 'closed';
      },
      recordSuccess: () => {},
      recordServerFailure: isAllDown,
    };
    for (const { name } of [options.primary, options.fallback]) {
      options.metrics.relayCircuitOpen.set({ relay: name }, 0);
      options.metrics.relaySends.inc({ relay: name }, 0);
    }
  }

  /** Call from each relay breaker's onChange. */
  relayChanged(relay: RelayName, state: CircuitState): void {
    this.#o.metrics.relayCircuitOpen.set({ relay }, state === 'open' ? 1 : 0);
    if (relay === 'primary') this.#o.logger.warn({ relay, state }, state === 'open' ? 'primary SMTP relay down: sending through the fallback while probing the primary' : 'primary SMTP relay answers again: sending through it');
    const allDown = this.#o.primary.breaker.state === 'open' && this.#o.fallback.breaker.state === 'open';
    if (allDown === this.#allDown) return;
    this.#allDown = allDown;
    this.#o.onChange(allDown ? 'open' : 'closed');
  }

  prepare(mail: Parameters<Mailer['prepare']>[0]): Promise<PreparedMail> {
    return this.#o.primary.mailer.prepare(mail);
  }

  async send(prepared: PreparedMail, options?: { signal?: AbortSignal }): Promise<Delivery> {
    const relay = this.#active();
    if (!relay) throw Object.assign(new Error('both SMTP relays are down'), { code: ALL_DOWN });
    try {
      const delivery = await relay.mailer.send(prepared, options);
      relay.breaker.recordSuccess();
      this.#o.metrics.relaySends.inc({ relay: relay.name });
      return { reply: delivery?.reply, relay: relay.name };
    } catch (err) {
      const failure = classifySmtpError(err);
      if (failure.kind === 'transient' && failure.serverWide) relay.breaker.recordServerFailure(failure.message);
      throw err;
    }
  }

  /** The primary's answer, or the fallback's when the primary does not answer (credentials refused stay fatal). */
  async verify(): Promise<void> {
    try {
      await this.#o.primary.mailer.verify();
    } catch (err) {
      if (classifySmtpError(err).kind === 'fatal') throw err;
      await this.#o.fallback.mailer.verify();
    }
  }

  close(): void {
    this.#o.primary.mailer.close();
    this.#o.fallback.mailer.close();
  }

  stop(): void {
    this.#o.primary.breaker.stop();
    this.#o.fallback.breaker.stop();
  }

  #active(): Relay | undefined {
    if (this.#o.primary.breaker.state === 'closed') return this.#o.primary;
    return this.#o.fallback.breaker.state === 'closed' ? this.#o.fallback : undefined;
  }
}
