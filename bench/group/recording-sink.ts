import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

import type { Receipts } from './receipts.js';

export type RecordingSinkCommand = { op: 'latency'; ms: number } | { op: 'sync' } | { op: 'stop' };
export type RecordingSinkReport =
  { kind: 'ready'; port: number } | { kind: 'receipts'; ids: string[]; ats: number[] } | { kind: 'ack'; op: RecordingSinkCommand['op'] };

export interface RecordingSink {
  readonly port: number;
  /** Where accepted mails are recorded from now on (one `Receipts` per run). */
  use(receipts: Receipts): void;
  setLatency(ms: number): Promise<void>;
  /** Resolves once every mail accepted so far is in the current `Receipts`. */
  sync(): Promise<void>;
  stop(): Promise<void>;
}

/** An SMTP sink on a worker thread that records every accepted Message-ID and its arrival time. */
export async function startRecordingSink({ latencyMs }: { latencyMs: number }): Promise<RecordingSink> {
  // Node 20 ignores `--import` in a worker's execArgv: register tsx inside the worker, then load it.
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('recording-sink-worker.ts', import.meta.url).href)}); });`;
  const worker = new Worker(bootstrap, { eval: true, workerData: { latencyMs } });
  let receipts: Receipts | undefined;
  const acks = new Map<string, Array<() => void>>();
  let readyPort: (port: number) => void = () => {};
  const ready = new Promise<number>((resolve) => (readyPort = resolve));
  worker.on('message', (m: RecordingSinkReport) => {
    switch (m.kind) {
      case 'ready':
        readyPort(m.port);
        break;
      case 'receipts':
        for (let i = 0; i < m.ids.length; i += 1) receipts?.add(m.ids[i] as string, m.ats[i] as number);
        break;
      case 'ack':
        acks.get(m.op)?.shift()?.();
        break;
    }
  });
  const failed = new Promise<never>((_, reject) => worker.once('error', reject));
  failed.catch(() => {});
  worker.on('error', (err) => console.error(`recording sink thread failed: ${err.message}`));
  const port = await Promise.race([ready, failed]);
  const send = (command: RecordingSinkCommand): Promise<void> =>
    new Promise<void>((resolve) => {
      acks.set(command.op, [...(acks.get(command.op) ?? []), resolve]);
      worker.postMessage(command);
    });
  return {
    port,
    use(r) {
      receipts = r;
    },
    setLatency: (ms) => send({ op: 'latency', ms }),
    sync: () => send({ op: 'sync' }),
    async stop() {
      const exited = once(worker, 'exit');
      await Promise.race([send({ op: 'stop' }), new Promise((r) => setTimeout(r, 5_000))]);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
      await worker.terminate();
    },
  };
}
