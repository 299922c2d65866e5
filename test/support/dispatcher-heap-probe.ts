/**
 * Child process for test/unit/delivery/dispatcher-heap.test.ts (run with --expose-gc): pushes events
 * through the real Dispatcher (compose ahead, a send-rate token, worker pool, settle) and prints the
 * heap retained per event (the median growth of the heap's floor per window). Half of the events are on a partition that is
 * revoked while their settle waits (a receipt publish listening on the settle signal), as in a
 * rebalance; the other half settle.
 */
import { Registry } from 'prom-client';

import { Dispatcher } from '../../src/delivery/dispatcher.js';
import { noLedger } from '../../src/ledger/sent-ledger.js';
import { Capacity } from '../../src/pipeline/capacity.js';
import { createMetrics } from '../../src/platform/metrics.js';
import { CircuitBreaker } from '../../src/smtp/relays/circuit-breaker.js';
import { record, signupValue, silentLogger } from './pipeline.js';
import { stubPrepared } from './stub-prepared.js';

const events = Number(process.argv[2] ?? 100_000);
const batch = 1_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const revoked = { topic: 'signups', partition: 1 };
const capacity = new Capacity(batch);
let settling = 0;
let allSettling: () => void = () => {};
const dispatcher: Dispatcher = new Dispatcher({
  // Accepts every email and remembers nothing of it.
  mailer: { prepare: async (mail) => stubPrepared(mail), send: async () => ({ reply: '250 OK' }), verify: async () => {}, close: () => {} },
  ledger: noLedger,
  breaker: new CircuitBreaker({ threshold: 1_000, probeIntervalMs: 500, probe: async () => {}, onChange: () => {} }),
  capacity,
  policy: { maxRetries: 3, delaysMs: [1_000] },
  // A worker for every event of a batch: the events never wait for one.
  workerCount: batch,
  rateLimitPerSecond: 0,
  // A token per send, as EMAIL_RATE_LIMIT_SCOPE=cluster takes one, that never has to wait.
  sendRate: { take: async (signal) => signal.throwIfAborted() },
  email: { from: 'Acme <welcome@acme.test>', domain: 'acme.test' },
  // As a receipt publish does: a listener on the settle signal until the outcome is durable; the
  // revoked partition's publishes wait until they are aborted.
  settle: (r, _outcome, signal) =>
    new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      settling += 1;
      if (settling === batch) allSettling();
      if (r.partition !== revoked.partition)
        setImmediate(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
    }),
  onFatal: () => {},
  metrics: createMetrics({ registry: new Registry(), defaults: false }),
  logger: silentLogger,
});

async function run(count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += batch) {
    settling = 0;
    const settlingAll = new Promise<void>((resolve) => (allSettling = resolve));
    for (let i = 0; i < batch; i += 1) {
      if (!capacity.tryAcquire()) throw new Error('buffer full');
      dispatcher.submit(record(signupValue(`heap-${sent + i}`), { partition: i % 2 }));
    }
    await settlingAll;
    dispatcher.abandonPartitions([revoked]);
    await capacity.whenEmpty();
  }
}

/** The heap once collections stop freeing anything (a FinalizationRegistry may free more after a gc). */
async function settledHeap(): Promise<number> {
  let previous = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 20; round += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc?.();
    const used = process.memoryUsage().heapUsed;
    if (Math.abs(previous - used) < 16 * 1024) return used;
    previous = used;
  }
  return previous;
}

// Warm up (code, pools, metric children), then the heap's floor after each of eight windows: the
// median growth per window is what each event leaves behind, whatever a one-off step (a table grown
// or shrunk, code flushed) does to one of them.
const WINDOWS = 8;
await run(20_000);
const floors = [await settledHeap()];
for (let w = 0; w < WINDOWS; w += 1) {
  await run(events / WINDOWS);
  floors.push(await settledHeap());
}
dispatcher.close();
const growth = floors
  .slice(1)
  .map((floor, i) => floor - (floors[i] as number))
  .sort((a, b) => a - b);
const median = ((growth[WINDOWS / 2 - 1] as number) + (growth[WINDOWS / 2] as number)) / 2;
const retainedBytesPerEvent = median / (events / WINDOWS);
process.stdout.write(`${JSON.stringify({ node: process.version, events, floorsMiB: floors.map((f) => +(f / 2 ** 20).toFixed(2)), retainedBytesPerEvent })}\n`);
