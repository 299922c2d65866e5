/**
 * The benchmark's SMTP sink on its own thread: on a 2-core machine a sink sharing the event loop
 * with the code under test caps every variant at what one core can parse. Deliveries are counted
 * in a SharedArrayBuffer so reading them costs the main thread nothing.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startSmtpSink } from '../dev/smtp-sink.js';

const counter = new Int32Array(workerData.counter as SharedArrayBuffer);
const sink = await startSmtpSink({ store: false, trackIds: false, onMail: () => void Atomics.add(counter, 0, 1) });
parentPort?.postMessage({ port: sink.port });
parentPort?.on('message', async (m: { op: 'latency'; ms: number } | { op: 'failures'; transient: number } | { op: 'stop' }) => {
  if (m.op === 'latency') sink.setLatency(m.ms);
  if (m.op === 'failures') sink.setFailureRate({ transient: m.transient });
  if (m.op === 'stop') {
    await sink.stop();
    parentPort?.postMessage({ stopped: true });
    parentPort?.close();
  }
});
