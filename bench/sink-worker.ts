/**
 * The benchmark's SMTP sinks on their own thread: on a 2-core machine a sink sharing the event loop
 * with the code under test caps every variant at what one core can parse. Counters live in a
 * SharedArrayBuffer (see sink-thread.ts) so reading them costs the measured thread nothing.
 *
 * Two sinks: the dev sink (dev/smtp-sink.ts) for every variant, and the first-attempt sink for the
 * 10 % 4xx scenario (both its clean and faulty arms).
 */
import { setMaxListeners } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { startSmtpSink } from '../dev/smtp-sink.js';
import { startFirstAttemptSink } from './first-attempt-sink.js';
import { COUNTER, type SinkCommand } from './sink-thread.js';

// The dev sink waits out its latency with one abort listener per mail in flight on one signal.
setMaxListeners(10_000);
const counters = new Int32Array(workerData.counters as SharedArrayBuffer);
const add = (slot: number) => () => void Atomics.add(counters, slot, 1);
const dev = await startSmtpSink({ store: false, trackIds: false, onMail: add(COUNTER.accepted) });
const firstAttempt = await startFirstAttemptSink({ onAccepted: add(COUNTER.accepted), onRejected: add(COUNTER.rejected), onConnection: add(COUNTER.connections) });
// The dev sink counts rejections and connections itself; mirror them into the shared counters.
let devRejected = 0;
let devConnections = 0;
const mirror = setInterval(() => {
  Atomics.add(counters, COUNTER.rejected, dev.rejected - devRejected);
  Atomics.add(counters, COUNTER.connections, dev.totalConnections - devConnections);
  devRejected = dev.rejected;
  devConnections = dev.totalConnections;
}, 20);
parentPort?.postMessage({ ports: { dev: dev.port, firstAttempt: firstAttempt.port } });
parentPort?.on('message', async (m: SinkCommand) => {
  switch (m.op) {
    case 'latency':
      dev.setLatency(m.ms);
      firstAttempt.setLatency(m.ms);
      break;
    case 'first-attempt-failures':
      firstAttempt.setFirstAttemptFailures(m.share);
      break;
    case 'stop':
      clearInterval(mirror);
      await Promise.all([dev.stop(), firstAttempt.stop()]);
      parentPort?.postMessage({ ack: m.op });
      parentPort?.close();
      return;
  }
  parentPort?.postMessage({ ack: m.op });
});
