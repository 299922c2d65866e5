import type { Logger } from 'pino';

import { abortableWait } from '../../platform/abortable-wait.js';

export type CircuitState = 'closed' | 'open';

export interface CircuitBreakerOptions {
  /** Consecutive server-wide failures that open the circuit. */
  readonly threshold: number;
  /** While open, how often `probe` is tried. */
  readonly probeIntervalMs: number;
  /** Resolves when the SMTP server answers again (e.g. nodemailer `verify()`). */
  readonly probe: () => Promise<unknown>;
  readonly onChange?: (state: CircuitState) => void;
  /** Why a probe failure is one that waiting cannot fix (a refused login, a certificate), if it is. @default none is */
  readonly refusal?: (err: unknown) => string | undefined;
  /** A probe was refused for good (see `refusal`), once per spell of refusals; the circuit stays open and probing goes on. */
  readonly onRefused?: (reason: string) => void;
  readonly logger?: Logger;
}

/** What the dispatcher needs of a breaker: is the way out closed, and what a send's result says. */
export type SendBreaker = Pick<CircuitBreaker, 'state' | 'recordSuccess' | 'recordServerFailure'>;

/**
 * Tells a whole-server SMTP outage (refused, timeouts, 421 on consecutive sends) apart from one
 * recipient's 4xx. While open, the dispatcher stops starting sends and intake stops fetching;
 * attempts are not spent; a probe closes it again.
 */
export class CircuitBreaker {
  #state: CircuitState = 'closed';
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #failedProbes = 0;
  #refused: string | undefined;
  #openSince: number | undefined;
  readonly #waiters = new Set<() => void>();

  constructor(private readonly options: CircuitBreakerOptions) {}

  get state(): CircuitState {
    return this.#state;
  }

  /** While open because the server refuses us (not because it is away): why. */
  get refused(): string | undefined {
    return this.#refused;
  }

  /** When the circuit opened (ms since the epoch), while it is open. */
  get openSince(): number | undefined {
    return this.#openSince;
  }

  recordSuccess(): void {
    this.#failures = 0;
    if (this.#state === 'open') this.#close('send succeeded');
  }

  /** Counts one server-wide failure; returns true when the circuit is (now) open. */
  recordServerFailure(reason: string): boolean {
    this.#failures += 1;
    if (this.#state === 'closed' && this.#failures >= this.options.threshold) {
      this.options.logger?.error(
        { failures: this.#failures, reason },
        'SMTP circuit opened: server unavailable; pausing sends and fetching until a probe succeeds',
      );
      this.#open();
    }
    return this.#state === 'open';
  }

  /**
   * Opens at once, whatever the count: the server refused us (`reason`: our login, its relaying
   * policy, its certificate), so no send should try it until a probe gets through.
   */
  trip(reason: string): void {
    this.#refused = reason;
    if (this.#state === 'open') return;
    // The caller logs the refusal (once per reason, not once per trip of a relay tried again after each probe).
    this.#open();
  }

  #open(): void {
    this.#state = 'open';
    this.#openSince = Date.now();
    this.#scheduleProbe();
    this.#notify('open');
  }

  /** Resolves when the circuit is closed. */
  whenClosed(signal?: AbortSignal): Promise<void> {
    if (this.#state === 'closed') return Promise.resolve();
    return abortableWait(signal, (done) => {
      this.#waiters.add(done);
      return () => this.#waiters.delete(done);
    });
  }

  /** Stops probing; idempotent. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #scheduleProbe(): void {
    if (this.#stopped || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#stopped || this.#state === 'closed') return;
      // A probe that throws instead of rejecting must not escape this timer and crash the process.
      new Promise((resolve) => resolve(this.options.probe())).then(
        () => this.#close('probe succeeded'),
        (err: unknown) => {
          this.#failedProbes += 1;
          const refused = this.options.refusal?.(err);
          const newlyRefused = refused !== undefined && this.#refused === undefined;
          this.#refused = refused;
          if (newlyRefused) {
            // A listener decides what it means (stop, or let the other relay carry on) and says so itself.
            if (!this.options.onRefused)
              this.options.logger?.error({ reason: refused }, 'SMTP circuit still open: the server refuses us; waiting will not fix it');
            this.#notifyRefused(refused);
          }
          if (refused !== undefined) {
            this.#scheduleProbe();
            return;
          }
          // The first failed probe and then one in twelve: an outage is loud without flooding the log.
          if (this.#failedProbes % 12 !== 1) {
            this.#scheduleProbe();
            return;
          }
          this.options.logger?.warn(
            { err: { message: (err as Error)?.message, code: (err as { code?: string })?.code } },
            'SMTP circuit still open: probe failed',
          );
          this.#scheduleProbe();
        },
      );
    }, this.options.probeIntervalMs);
    this.#timer.unref?.();
  }

  #close(reason: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#failures = 0;
    this.#failedProbes = 0;
    this.#refused = undefined;
    this.#openSince = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.options.logger?.info({ reason }, 'SMTP circuit closed: resuming sends');
    for (const done of [...this.#waiters]) done();
    this.#waiters.clear();
    this.#notify('closed');
  }

  /**
   * The state has changed whatever a listener does: a listener that throws (KafkaJS's pause() while
   * its consumer group restarts, say) must not skip the probe or the caller's settle.
   */
  #notifyRefused(reason: string): void {
    try {
      this.options.onRefused?.(reason);
    } catch (err) {
      this.options.logger?.error({ err }, 'SMTP circuit refusal listener failed');
    }
  }

  #notify(state: CircuitState): void {
    try {
      this.options.onChange?.(state);
    } catch (err) {
      this.options.logger?.error({ err, state }, 'SMTP circuit listener failed; the circuit state stands');
    }
  }
}
