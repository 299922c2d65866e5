import { Counter, Gauge, type Registry } from 'prom-client';

/** The relays: the SMTP circuit, and with a fallback relay each relay's circuit, refusals and sends. */
export function smtpMetrics(p: string, registers: Registry[]) {
  return {
    circuitOpen: new Gauge({
      name: `${p}smtp_circuit_open`,
      help: '1 while the SMTP circuit breaker is open (server unavailable; fetching paused)',
      registers,
    }),
    relayCircuitOpen: new Gauge({
      name: `${p}relay_circuit_open`,
      help: "1 while this SMTP relay's circuit is open (primary down: sends go to the fallback)",
      labelNames: ['relay'],
      registers,
    }),
    relayRefusals: new Counter({
      name: `${p}relay_refusals_total`,
      help: 'Times an SMTP relay refused us whatever the message (our login, its relaying policy, its certificate) and its circuit opened (with SMTP_FALLBACK_HOST)',
      labelNames: ['relay'],
      registers,
    }),
    relaySends: new Counter({
      name: `${p}relay_sends_total`,
      help: 'Emails accepted, by SMTP relay (with SMTP_FALLBACK_HOST)',
      labelNames: ['relay'],
      registers,
    }),
  };
}
