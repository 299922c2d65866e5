/**
 * An SMTP server that times each phase of every transaction from its own side, for
 * `npm run bench:diagnose -- phases`. Run as a child process (so it never shares an event loop with
 * the sender): `tsx bench/phase-sink.ts <latencyMs>`; it prints `{"port":N}` once listening, then
 * one JSON line of percentiles per second while mail flows.
 */
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { summarize } from '../dev/loadtest/percentile.js';

export interface PhaseSecond {
  readonly accepted: number;
  /** Server's final 250 → the next MAIL FROM on the same connection: the client's turnaround. */
  readonly turnaroundMs: { p50?: number | undefined; p95?: number | undefined };
  /** Server's 354 → the end of the message: how long the client takes to stream it. */
  readonly streamMs: { p50?: number | undefined; p95?: number | undefined };
}

export function startPhaseSink(latencyMs: number, onSecond: (s: PhaseSecond) => void): Promise<{ port: number; close(): void }> {
  const lastOk = new WeakMap<SMTPServerSession, number>();
  const turnaround: number[] = [];
  const stream: number[] = [];
  let accepted = 0;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    disableReverseLookup: true,
    onMailFrom(_address, session, callback) {
      const ok = lastOk.get(session);
      if (ok !== undefined) turnaround.push(performance.now() - ok);
      callback();
    },
    onData(data, session, callback) {
      const started = performance.now();
      data.on('data', () => {});
      data.on('end', () => {
        stream.push(performance.now() - started);
        setTimeout(() => {
          lastOk.set(session, performance.now());
          accepted += 1;
          callback();
        }, latencyMs);
      });
    },
  });
  const ticker = setInterval(() => {
    if (accepted === 0) return;
    const t = summarize(turnaround.splice(0));
    const s = summarize(stream.splice(0));
    onSecond({ accepted, turnaroundMs: { p50: t.p50, p95: t.p95 }, streamMs: { p50: s.p50, p95: s.p95 } });
    accepted = 0;
  }, 1000);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : 0,
        close: () => {
          clearInterval(ticker);
          server.close(() => {});
        },
      });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sink = await startPhaseSink(Number(process.argv[2] ?? 50), (s) => console.log(JSON.stringify(s)));
  console.log(JSON.stringify({ port: sink.port }));
  process.on('SIGTERM', () => {
    sink.close();
    process.exit(0);
  });
}
