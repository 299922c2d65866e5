/**
 * npm run smtp — a local SMTP sink that accepts every mail and prints one line per mail.
 *
 * Environment: SMTP_SINK_PORT (2525), SMTP_SINK_HOST (127.0.0.1), SMTP_SINK_LATENCY_MS (0),
 * SMTP_SINK_TRANSIENT_RATE / SMTP_SINK_PERMANENT_RATE (0..1: share of mails answered 451 / 550),
 * SMTP_SINK_USER + SMTP_SINK_PASS (require AUTH), SMTP_SINK_QUIET=1 (a count every 5 s instead of lines).
 * It is a local dev sink, so printing recipient addresses is fine here and nowhere else.
 */
import { intFromEnv } from '../dev/kafka/options-from-env.js';
import { type ReceivedMail, startSmtpSink } from '../dev/smtp-sink.js';

function rateFromEnv(name: string): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return 0;
  const value = Number(raw);
  if (!(value >= 0 && value <= 1)) throw new Error(`${name} must be a number from 0 to 1, got "${raw}"`);
  return value;
}

async function main(): Promise<void> {
  const port = intFromEnv(process.env, 'SMTP_SINK_PORT', 1, 65_535) ?? 2525;
  const host = process.env.SMTP_SINK_HOST || '127.0.0.1';
  const latencyMs = intFromEnv(process.env, 'SMTP_SINK_LATENCY_MS', 0, 600_000) ?? 0;
  const { SMTP_SINK_USER: user, SMTP_SINK_PASS: pass, SMTP_SINK_QUIET: quiet } = process.env;
  const printLine = (mail: ReceivedMail): void =>
    console.log([mail.receivedAt.toISOString(), mail.envelope.to.join(','), JSON.stringify(mail.subject ?? ''), mail.messageId ?? '-'].join('  '));

  const sink = await startSmtpSink({
    port,
    host,
    latencyMs,
    store: false,
    trackIds: false,
    ...(user && pass ? { auth: { user, pass } } : {}),
    ...(quiet ? {} : { onMail: printLine }),
  });
  sink.setFailureRate({ transient: rateFromEnv('SMTP_SINK_TRANSIENT_RATE'), permanent: rateFromEnv('SMTP_SINK_PERMANENT_RATE') });
  console.error(`smtp-sink: listening on ${host}:${sink.port}${user ? ' (AUTH required)' : ''}; Ctrl-C to stop`);

  const summary = (): string => `smtp-sink: ${sink.count} accepted, ${sink.rejected} rejected, ${sink.connections} open connections`;
  const timer = quiet ? setInterval(() => console.error(summary()), 5_000) : undefined;
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(timer);
  await sink.stop();
  console.error(summary());
}

main().catch((error: unknown) => {
  console.error(`smtp-sink: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
