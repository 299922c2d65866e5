/**
 * The dev SMTP sink timing each phase of every transaction from its own side, for
 * `npm run bench:diagnose -- phases`. Run as a child process (so it never shares an event loop with
 * the sender): `tsx bench/phase-timing-process.ts <latencyMs>`; it prints `{"port":N}` once
 * listening, then one JSON line of percentiles per second while mail flows (see PhaseSecond).
 */
import { startSmtpSink } from '../dev/smtp-sink.js';
import { startPhaseSeconds } from './phase-seconds.js';

const seconds = startPhaseSeconds((second) => console.log(JSON.stringify(second)));
const sink = await startSmtpSink({ latencyMs: Number(process.argv[2] ?? 50), store: false, trackIds: false, onMail: seconds.onMail, onPhase: seconds.onPhase });
console.log(JSON.stringify({ port: sink.port }));
process.once('SIGTERM', () => {
  seconds.stop();
  void sink.stop().finally(() => process.exit(0));
});
