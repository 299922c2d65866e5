import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { SMTPServer } from 'smtp-server';

export interface FirstAttemptSink {
  readonly port: number;
  setLatency(ms: number): void;
  /** Share (0..1) of recipients whose *first* attempt is answered `451`; their retries are accepted. */
  setFirstAttemptFailures(share: number): void;
  stop(): Promise<void>;
}

/** FNV-1a: a stable, cheap spread of recipients over 0..9999. */
function bucket(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) % 10_000;
}

/**
 * An SMTP sink for the "10 % first-attempt 4xx" scenario. The dev sink draws a failure for every
 * transaction, retries included; here the recipient (whose local part is the eventId in the load
 * fixtures) decides: a fixed share of recipients gets `451 4.7.1` at RCPT the first time only.
 * Latency is applied after DATA, as in the dev sink. Counters go to `onAccepted` / `onRejected`.
 */
export async function startFirstAttemptSink({ onAccepted, onRejected, onConnection }: { onAccepted: () => void; onRejected: () => void; onConnection: () => void }): Promise<FirstAttemptSink> {
  let latencyMs = 0;
  let share = 0;
  const failedOnce = new Set<string>();
  const stopped = new AbortController();
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    disableReverseLookup: true,
    closeTimeout: 2_000,
    onConnect(_session, callback) {
      onConnection();
      callback();
    },
    onRcptTo(address, _session, callback) {
      const rcpt = address.address.toLowerCase();
      if (share > 0 && bucket(rcpt) < share * 10_000 && !failedOnce.has(rcpt)) {
        failedOnce.add(rcpt);
        onRejected();
        return callback(Object.assign(new Error('4.7.1 Try again later'), { responseCode: 451 }));
      }
      callback();
    },
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        const done = latencyMs > 0 ? sleep(latencyMs, undefined, { signal: stopped.signal }) : Promise.resolve();
        done.then(
          () => {
            onAccepted();
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    setLatency: (ms) => (latencyMs = ms),
    setFirstAttemptFailures(s) {
      if (!(s >= 0 && s <= 1)) throw new RangeError(`Expected a share in 0..1, got ${s}`);
      share = s;
      failedOnce.clear();
    },
    stop: () => {
      stopped.abort();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
