import { abortableWait } from '../platform/abortable-wait.js';
import type { Logger } from '../platform/logger.js';

export type CircuitState = 'closed' | 'open';

export interface CircuitBreakerOptions {
  /** Consecutive server-wide failures that open the circuit. */
  readonly threshold: number;
  /** While open, how often `probe` is tried. */
  readonly probeIntervalMs: number;
  /** Resolves when the SMTP server answers again (e.g. nodemailer `verify()`). */
  readonly probe: () => Promise<unknown>;
  readonly onChange?: (state: CircuitState) => void;
  readonly logger?: Logger;
}

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
  readonly #waiters = new Set<() => void>();

  constructor(private readonly options: CircuitBreakerOptions) {}

  get state(): CircuitState {
    return this.#state;
  }

  recordSuccess(): void {
    this.#failures = 0;
    if (this.#state === 'open') this.#close('send succeeded');
  }

  /** Counts one server-wide failure; returns true when the circuit is (now) open. */
  recordServerFailure(reason: string): boolean {
    this.#failures += 1;
    if (this.#state === 'closed' && this.#failures >= this.options.threshold) {
      this.#state = 'open';
      this.options.logger?.error({ failures: this.#failures, reason }, 'SMTP circuit opened: server unavailable; pausing sends and fetching until a probe succeeds');
      this.#scheduleProbe();
      this.#notify('open');
    }
    return this.#state === 'open';
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
          // The first failed probe and then one in twelve: an outage is loud without flooding the log.
          if (this.#failedProbes % 12 !== 1) {
            this.#scheduleProbe();
            return;
          }
          this.options.logger?.warn({ err: { message: (err as Error)?.message, code: (err as { code?: string })?.code } }, 'SMTP circuit still open: probe failed');
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
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.options.logger?.info({ reason }, 'SMTP circuit closed: resuming sends');
    for (const done of [...this.#waiters]) done();
    this.#waiters.clear();
    this.#notify('closed');
  }

  /**
   * The state has changed whatever a listener does: a listener that throws (KafkaJS's pause() while
   * its consumer group restarts, say) must not skip the probe or the caller's settle (issue 11, defect 1).
   */
  #notify(state: CircuitState): void {
    try {
      this.options.onChange?.(state);
    } catch (err) {
      this.options.logger?.error({ err, state }, 'SMTP circuit listener failed; the circuit state stands');
    }
  }
}
