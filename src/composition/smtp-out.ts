import type { Logger } from 'pino';

import type { Config } from '../platform/config/schema.js';
import type { Metrics } from '../platform/metrics.js';
import { relayRefusalReason } from '../smtp/errors.js';
import type { Mailer } from '../smtp/mailer.js';
import { CircuitBreaker, type CircuitState, type SendBreaker } from '../smtp/relays/circuit-breaker.js';
import type { RelayName } from '../smtp/relays/relay.js';
import type { RelayStatus } from '../smtp/relays/relay-status.js';
import { SmtpRelays } from '../smtp/relays/smtp-relays.js';

/** The way out to SMTP as the dispatcher sees it: a mailer and the breaker that says when to hold. */
export interface SmtpOut {
  readonly mailer: Mailer;
  readonly breaker: SendBreaker;
  /** With a fallback: each relay's circuit for /readyz. */
  readonly relays: (() => Record<RelayName, RelayStatus>) | undefined;
  stop(): void;
}

/**
 * One relay with its circuit breaker, or (SMTP_FALLBACK_HOST) the primary and the fallback, each with
 * its own breaker, behind `SmtpRelays`. `onChange` hears when sending must hold (no relay answers);
 * `onFatal` when waiting cannot fix it: a probe refused (login after the previous password,
 * certificate) by the only relay, or by both. The fatal line is logged here.
 */
export function buildSmtpOut({
  config,
  mailer,
  fallback,
  metrics,
  logger,
  onChange,
  onFatal,
}: {
  config: Config;
  mailer: Mailer;
  fallback: Mailer | undefined;
  metrics: Metrics;
  logger: Logger;
  onChange: (state: CircuitState) => void;
  onFatal: (reason: string) => void;
}): SmtpOut {
  const breakerFor = (relay: Mailer, component: object, changed: (state: CircuitState) => void, refused: (reason: string) => void) =>
    new CircuitBreaker({
      threshold: config.smtp.breakerThreshold,
      probeIntervalMs: config.smtp.breakerProbeIntervalMs,
      probe: () => relay.verify(),
      refusal: relayRefusalReason,
      logger: logger.child({ component: 'smtp-circuit', ...component }),
      onChange: changed,
      onRefused: refused,
    });
  if (!fallback) {
    const breaker = breakerFor(mailer, {}, onChange, (reason) => {
      breaker.stop();
      logger.fatal({ error: reason }, 'SMTP refuses us and waiting will not fix it; stopping');
      onFatal(`SMTP refused: ${reason}`);
    });
    return { mailer, breaker, relays: undefined, stop: () => breaker.stop() };
  }
  const relays: SmtpRelays = new SmtpRelays({
    primary: {
      name: 'primary',
      mailer,
      breaker: breakerFor(
        mailer,
        { relay: 'primary' },
        (state) => relays.relayChanged('primary', state),
        (reason) => relays.relayRefused('primary', reason),
      ),
    },
    fallback: {
      name: 'fallback',
      mailer: fallback,
      breaker: breakerFor(
        fallback,
        { relay: 'fallback' },
        (state) => relays.relayChanged('fallback', state),
        (reason) => relays.relayRefused('fallback', reason),
      ),
    },
    metrics,
    logger: logger.child({ component: 'smtp-relays' }),
    onChange,
    onFatal: (reason) => {
      relays.stop();
      onFatal(reason);
    },
  });
  return { mailer: relays, breaker: relays.breaker, relays: () => relays.describe(), stop: () => relays.stop() };
}
