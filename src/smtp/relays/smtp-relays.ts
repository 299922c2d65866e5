import type { Logger } from 'pino';

import type { PreparedMail } from '../../email/compose-welcome-email.js';
import type { Metrics } from '../../platform/metrics.js';
import { classifySmtpError, relayRefusalReason, RELAYS_REFUSED } from '../errors.js';
import type { Delivery, Mailer } from '../mailer.js';
import type { CircuitState, SendBreaker } from './circuit-breaker.js';
import { type Relay, type RelayName, tagRelay } from './relay.js';
import { type RelayStatus, relayStatus } from './relay-status.js';
import { verifyRelays } from './verify-relays.js';

export interface SmtpRelaysOptions {
  readonly primary: Relay;
  readonly fallback: Relay;
  readonly metrics: Pick<Metrics, 'relayCircuitOpen' | 'relaySends' | 'relayRefusals'>;
  readonly logger: Logger;
  /** Both relays down, or one back up: the dispatcher holds or resumes, intake pauses or fetches. */
  readonly onChange: (state: CircuitState) => void;
  /** Both relays refuse us and a probe confirmed it (waiting cannot fix it): the service must stop. Logged here, once. @default nothing (a send both refuse still stops the dispatcher) */
  readonly onFatal?: (reason: string) => void;
}

/** Raised when neither relay's circuit is closed; classified as a server-wide outage (hold, spend nothing). */
const ALL_DOWN = 'ECONNECTION';

/**
 * The primary relay and a fallback (SMTP_FALLBACK_HOST). Sends go to the primary while its circuit is
 * closed; when it opens, to the fallback, while the primary's breaker keeps probing it; when the
 * primary answers again, traffic returns to it. Each relay counts its own server-wide failures. The
 * breaker the dispatcher sees (`breaker`) is open only when both are: then today's hold-and-probe
 * applies.
 *
 * A failure that belongs to one relay — our login refused, its relaying policy, its certificate
 * (`relayRefusalReason`) — opens that relay's circuit at once and the same send goes to the other
 * relay: nothing reached the refusing relay's DATA, so nothing is sent twice. Such a failure never
 * dead-letters a recipient and never stops the service while the other relay can send; when neither
 * can, sends hold; only when both refuse us (confirmed by a probe, or by a send through each) does
 * the service stop.
 */
export class SmtpRelays implements Mailer {
  readonly #o: SmtpRelaysOptions;
  #allDown = false;
  #fatal = false;
  /** The refusal each relay was last logged for; cleared by a send it accepts. A relay that refuses relaying is tried again after each probe, and logged once. */
  readonly #logged = new Map<RelayName, string>();
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
      options.metrics.relayRefusals.inc({ relay: name }, 0);
    }
  }

  /** Call from each relay breaker's onChange. */
  relayChanged(relay: RelayName, state: CircuitState): void {
    this.#o.metrics.relayCircuitOpen.set({ relay }, state === 'open' ? 1 : 0);
    if (relay === 'primary')
      this.#o.logger.warn(
        { relay, state },
        state === 'open'
          ? 'primary SMTP relay down: sending through the fallback while probing the primary'
          : 'primary SMTP relay answers again: sending through it',
      );
    const allDown = this.#o.primary.breaker.state === 'open' && this.#o.fallback.breaker.state === 'open';
    if (allDown === this.#allDown) return;
    this.#allDown = allDown;
    this.#o.onChange(allDown ? 'open' : 'closed');
  }

  /** Call from each relay breaker's onRefused: a probe found the relay refusing us. */
  relayRefused(relay: RelayName, reason: string): void {
    this.#o.metrics.relayRefusals.inc({ relay });
    const other = this.#other(this.#relay(relay));
    if (this.#fatal) return;
    if (other.breaker.refused === undefined) {
      this.#o.logger.error({ relay, error: reason }, `the ${relay} SMTP relay refuses us and waiting will not fix it; the other relay carries the traffic`);
      return;
    }
    this.#fatal = true;
    const line = this.#bothRefused();
    this.#o.logger.fatal({ relay, error: reason }, `${line}; stopping`);
    this.#o.onFatal?.(line);
  }

  /** Each relay's circuit, since when it is open and why it refuses us, for /readyz. */
  describe(): Record<RelayName, RelayStatus> {
    return { primary: relayStatus(this.#o.primary.breaker), fallback: relayStatus(this.#o.fallback.breaker) };
  }

  prepare(mail: Parameters<Mailer['prepare']>[0]): Promise<PreparedMail> {
    return this.#o.primary.mailer.prepare(mail);
  }

  async send(prepared: PreparedMail, options?: { signal?: AbortSignal }): Promise<Delivery> {
    const relay = this.#active();
    if (!relay) throw this.#cannotSend();
    try {
      return await this.#sendThrough(relay, prepared, options);
    } catch (err) {
      const other = this.#other(relay);
      if (!this.#refusedBy(relay, err) || other.breaker.state !== 'closed' || options?.signal?.aborted) throw this.#instead(err);
      try {
        return await this.#sendThrough(other, prepared, options);
      } catch (err2) {
        this.#refusedBy(other, err2);
        throw this.#instead(err2);
      }
    }
  }

  /** Both relays at start, side by side (see `verifyRelays`). */
  verify(): Promise<void> {
    return verifyRelays([this.#o.primary, this.#o.fallback]);
  }

  close(): void {
    this.#o.primary.mailer.close();
    this.#o.fallback.mailer.close();
  }

  stop(): void {
    this.#o.primary.breaker.stop();
    this.#o.fallback.breaker.stop();
  }

  /** A failure comes back tagged with the relay that answered (`relay`: a dead letter's receipt names it). */
  async #sendThrough(relay: Relay, prepared: PreparedMail, options?: { signal?: AbortSignal }): Promise<Delivery> {
    const delivery = await relay.mailer.send(prepared, options).catch((err: unknown) => Promise.reject(tagRelay(err, relay.name)));
    relay.breaker.recordSuccess();
    this.#logged.delete(relay.name);
    this.#o.metrics.relaySends.inc({ relay: relay.name });
    return { reply: delivery?.reply, relay: relay.name };
  }

  /** Counts the failure against `relay`; true when it refuses us (its circuit is now open). */
  #refusedBy(relay: Relay, err: unknown): boolean {
    const reason = relayRefusalReason(err);
    if (reason === undefined) {
      const failure = classifySmtpError(err);
      if (failure.kind === 'transient' && failure.serverWide) relay.breaker.recordServerFailure(failure.message);
      return false;
    }
    this.#o.metrics.relayRefusals.inc({ relay: relay.name });
    const level = this.#logged.get(relay.name) === reason ? 'debug' : 'error';
    this.#logged.set(relay.name, reason);
    this.#o.logger[level](
      { relay: relay.name, error: reason },
      `the ${relay.name} SMTP relay refuses us; its circuit is open and the other relay carries the traffic`,
    );
    relay.breaker.trip(reason);
    return true;
  }

  /**
   * What the dispatcher gets instead of a relay's refusal: fatal when both refuse us, else an outage
   * (held: nothing dead-lettered, no attempt spent). Any other failure stays as it is.
   */
  #instead(err: unknown): unknown {
    if (relayRefusalReason(err) === undefined) return err;
    if (this.#o.primary.breaker.refused !== undefined && this.#o.fallback.breaker.refused !== undefined) {
      return Object.assign(new Error(this.#bothRefused()), { code: RELAYS_REFUSED, cause: err });
    }
    return this.#cannotSend();
  }

  #cannotSend(): Error {
    return Object.assign(new Error('both SMTP relays are down or refuse us'), { code: ALL_DOWN });
  }

  #bothRefused(): string {
    return `both SMTP relays refuse us: primary (SMTP_HOST): ${this.#o.primary.breaker.refused ?? '?'}; fallback (SMTP_FALLBACK_HOST): ${this.#o.fallback.breaker.refused ?? '?'}`;
  }

  #relay(name: RelayName): Relay {
    return name === 'primary' ? this.#o.primary : this.#o.fallback;
  }

  #other(relay: Relay): Relay {
    return relay === this.#o.primary ? this.#o.fallback : this.#o.primary;
  }

  #active(): Relay | undefined {
    if (this.#o.primary.breaker.state === 'closed') return this.#o.primary;
    return this.#o.fallback.breaker.state === 'closed' ? this.#o.fallback : undefined;
  }
}
