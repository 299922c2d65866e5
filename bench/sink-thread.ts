import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/** Slots of the shared counter array. */
export const COUNTER = { accepted: 0, rejected: 1, connections: 2 } as const;

export type SinkCommand = { op: 'latency'; ms: number } | { op: 'first-attempt-failures'; share: number } | { op: 'stop' };

export interface SinkCounts {
  readonly accepted: number;
  readonly rejected: number;
  readonly connections: number;
}

export interface SinkThread {
  /** The dev sink (dev/smtp-sink.ts). */
  readonly port: number;
  counts(): SinkCounts;
  setLatency(ms: number): Promise<void>;
  /** Share (0..1) of recipients whose *first* attempt is answered `451`; their retries are accepted. */
  setFirstAttemptFailures(share: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the benchmark sink on a worker thread. */
export async function startSinkThread(): Promise<SinkThread> {
  const counters = new Int32Array(new SharedArrayBuffer(4 * 3));
  // Node 20 ignores `--import` in a worker's execArgv: register tsx inside the worker, then load it.
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('sink-worker.ts', import.meta.url).href)}); });`;
  const worker = new Worker(bootstrap, { eval: true, workerData: { counters: counters.buffer } });
  const [ready] = (await once(worker, 'message')) as [{ port: number }];
  const send = async (command: SinkCommand): Promise<void> => {
    const acked = new Promise<void>((resolve) => {
      const onMessage = (m: { ack?: string }) => {
        if (m.ack !== command.op) return;
        worker.off('message', onMessage);
        resolve();
      };
      worker.on('message', onMessage);
    });
    worker.postMessage(command);
    await acked;
  };
  return {
    port: ready.port,
    counts: () => ({
      accepted: Atomics.load(counters, COUNTER.accepted),
      rejected: Atomics.load(counters, COUNTER.rejected),
      connections: Atomics.load(counters, COUNTER.connections),
    }),
    setLatency: (ms) => send({ op: 'latency', ms }),
    setFirstAttemptFailures: (share) => send({ op: 'first-attempt-failures', share }),
    async stop() {
      const exited = once(worker, 'exit');
      await send({ op: 'stop' }).catch(() => {});
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      await worker.terminate();
    },
  };
}
