import { summarize } from '../dev/loadtest/percentile.js';
import type { SmtpPhase } from '../dev/smtp-sink.js';

/** One second of `bench:diagnose -- phases`, as the sink saw it (one JSON line each). */
export interface PhaseSecond {
  readonly accepted: number;
  /** Server's final 250 → the next MAIL FROM on the same connection: the client's turnaround. */
  readonly turnaroundMs: { p50?: number | undefined; p95?: number | undefined };
  /** Server's 354 → the end of the message: how long the client takes to stream it. */
  readonly streamMs: { p50?: number | undefined; p95?: number | undefined };
}

export interface PhaseSeconds {
  /** For the sink's `onPhase`. */
  onPhase(phase: SmtpPhase, ms: number): void;
  /** For the sink's `onMail`. */
  onMail(): void;
  /** Idempotent. */
  stop(): void;
}

/** Every second in which mail was accepted, hands `onSecond` the count and the phases' p50/p95. */
export function startPhaseSeconds(onSecond: (second: PhaseSecond) => void, { intervalMs = 1_000 }: { intervalMs?: number } = {}): PhaseSeconds {
  const phases: Record<SmtpPhase, number[]> = { turnaround: [], stream: [] };
  let accepted = 0;
  const ticker = setInterval(() => {
    if (accepted === 0) return;
    const t = summarize(phases.turnaround.splice(0));
    const s = summarize(phases.stream.splice(0));
    onSecond({ accepted, turnaroundMs: { p50: t.p50, p95: t.p95 }, streamMs: { p50: s.p50, p95: s.p95 } });
    accepted = 0;
  }, intervalMs);
  return {
    onPhase: (phase, ms) => void phases[phase].push(ms),
    onMail: () => void (accepted += 1),
    stop: () => clearInterval(ticker),
  };
}
