/**
 * The benchmark's SMTP sink (dev/smtp-sink.ts) on its own thread: on a 2-core machine a sink sharing
 * the event loop with the code under test caps every variant at what one core can parse. Counters live
 * in a SharedArrayBuffer (see sink-thread.ts) so reading them costs the measured thread nothing.
 *
 * Every variant sends to it; the 10 % 4xx scenario turns on its first-attempt-only recipient failures
 * for its faulty arm (and off for its clean arm).
 */
import { parentPort, workerData } from 'node:worker_threads';

import { startSmtpSink } from '../dev/smtp-sink.js';
import { COUNTER, type SinkCommand } from './sink-thread.js';

const counters = new Int32Array(workerData.counters as SharedArrayBuffer);
const sink = await startSmtpSink({ store: false, trackIds: false, onMail: () => void Atomics.add(counters, COUNTER.accepted, 1) });
// The sink counts rejections and connections itself; mirror them into the shared counters.
let rejected = 0;
let connections = 0;
const mirror = setInterval(() => {
  Atomics.add(counters, COUNTER.rejected, sink.rejected - rejected);
  Atomics.add(counters, COUNTER.connections, sink.totalConnections - connections);
  rejected = sink.rejected;
  connections = sink.totalConnections;
}, 20);
parentPort?.postMessage({ port: sink.port });
parentPort?.on('message', async (m: SinkCommand) => {
  switch (m.op) {
    case 'latency':
      sink.setLatency(m.ms);
      break;
    case 'first-attempt-failures':
      sink.setRecipientFailures({ share: m.share, code: 451, firstAttemptOnly: true });
      break;
    case 'stop':
      clearInterval(mirror);
      await sink.stop();
      parentPort?.postMessage({ ack: m.op });
      parentPort?.close();
      return;
  }
  parentPort?.postMessage({ ack: m.op });
});
