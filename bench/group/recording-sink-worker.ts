/**
 * The dev SMTP sink (dev/smtp-sink.ts) on its own thread, reporting every accepted mail's
 * Message-ID and arrival time to the parent in small batches (see recording-sink.ts). On its own
 * thread so parsing SMTP never delays the runner's timers and scrapes.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { startSmtpSink } from '../../dev/smtp-sink.js';
import type { RecordingSinkCommand, RecordingSinkReport } from './recording-sink.js';

const port = parentPort;
if (!port) throw new Error('recording-sink-worker runs as a worker thread');
let ids: string[] = [];
let ats: number[] = [];
const sink = await startSmtpSink({
  store: false,
  trackIds: false,
  latencyMs: (workerData as { latencyMs: number }).latencyMs,
  onMail: (mail) => {
    ids.push(mail.messageId ?? '');
    ats.push(Date.now());
  },
});
const flush = (): void => {
  if (ids.length === 0) return;
  port.postMessage({ kind: 'receipts', ids, ats } satisfies RecordingSinkReport);
  ids = [];
  ats = [];
};
const timer = setInterval(flush, 20);
port.postMessage({ kind: 'ready', port: sink.port } satisfies RecordingSinkReport);
port.on('message', async (m: RecordingSinkCommand) => {
  switch (m.op) {
    case 'latency':
      sink.setLatency(m.ms);
      break;
    case 'sync':
      break;
    case 'stop':
      clearInterval(timer);
      await sink.stop();
      break;
  }
  flush();
  port.postMessage({ kind: 'ack', op: m.op } satisfies RecordingSinkReport);
  if (m.op === 'stop') port.close();
});
