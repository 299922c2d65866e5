import { CircuitBreaker, type CircuitState } from '../delivery/circuit-breaker.js';
import type { Mailer } from '../delivery/mailer.js';
import { SmtpRelays, type SendBreaker } from '../delivery/smtp-relays.js';
import type { Config } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';

/** The way out to SMTP as the dispatcher sees it: a mailer and the breaker that says when to hold. */
export interface SmtpOut {
  readonly mailer: Mailer;
  readonly breaker: SendBreaker;
  stop(): void;
}

/**
 * One relay with its circuit breaker, or (SMTP_FALLBACK_HOST) the primary and the fallback, each with
 * its own breaker, behind `SmtpRelays`. `onChange` hears when sending must hold (no relay answers).
 */
export function buildSmtpOut({ config, mailer, fallback, metrics, logger, onChange }: { config: Config; mailer: Mailer; fallback: Mailer | undefined; metrics: Metrics; logger: Logger; onChange: (state: CircuitState) => void }): SmtpOut {
  const breakerFor = (relay: Mailer, component: object, changed: (state: CircuitState) => void) =>
    new CircuitBreaker({
      threshold: config.smtp.breakerThreshold,
      probeIntervalMs: config.smtp.breakerProbeIntervalMs,
      probe: () => relay.verify(),
      logger: logger.child({ component: 'smtp-circuit', ...component }),
      onChange: changed,
    });
  if (!fallback) {
    const breaker = breakerFor(mailer, {}, onChange);
    return { mailer, breaker, stop: () => breaker.stop() };
  }
  const relays: SmtpRelays = new SmtpRelays({
    primary: { name: 'primary', mailer, breaker: breakerFor(mailer, { relay: 'primary' }, (state) => relays.relayChanged('primary', state)) },
    fallback: { name: 'fallback', mailer: fallback, breaker: breakerFor(fallback, { relay: 'fallback' }, (state) => relays.relayChanged('fallback', state)) },
    metrics,
    logger: logger.child({ component: 'smtp-relays' }),
    onChange,
  });
  return { mailer: relays, breaker: relays.breaker, stop: () => relays.stop() };
}
