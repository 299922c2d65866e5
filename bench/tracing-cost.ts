/**
 * CPU cost of tracing per event: the spans the service makes for one sent email (the event span from
 * the record's traceparent, one SMTP attempt, the receipt publish with its traceparent header, the
 * outcome), through the real SDK, batch processor and OTLP exporter, posted to an OTLP receiver in a
 * child process (its CPU is not counted). With tracing off the record carries no trace: the cost is one
 * optional-chaining check per call site, measured here too. Prints figures; asserts nothing.
 *
 *   npx tsx bench/tracing-cost.ts [--events 30000] [--rounds 5] [--protocol http/protobuf|http/json]
 *
 * Each figure is the median over rounds of process CPU time (user + system) / events, after a warm-up;
 * the exports of a round are awaited (flushed) inside it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { pino } from 'pino';

import { endAttemptSpan } from '../src/delivery/attempt-span.js';
import type { Outcome } from '../src/pipeline/outcome.js';
import { type EventTrace, sendAttributes } from '../src/platform/tracing/event-trace.js';
import { startTracingSdk } from '../src/platform/tracing/tracing-sdk.js';
import { annotateSettled } from '../src/settle/settled-span.js';

const { values: flags } = parseArgs({
  options: { events: { type: 'string', default: '30000' }, rounds: { type: 'string', default: '5' }, protocol: { type: 'string', default: 'http/protobuf' } },
});
const EVENTS = Number(flags.events);
const ROUNDS = Number(flags.rounds);
const protocol = flags.protocol === 'http/json' ? 'http/json' : 'http/protobuf';

const receiver = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../dev/otlp-receiver.ts', import.meta.url)), '--port', '0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [firstLine] = (await once(receiver.stdout, 'data')) as [Buffer];
const endpoint = /http:\/\/[^ ]+/.exec(firstLine.toString())?.[0];
if (!endpoint) throw new Error(`the receiver did not say where it listens: ${firstLine.toString()}`);

const sdk = await startTracingSdk(
  {
    enabled: true,
    url: `${endpoint}/v1/traces`,
    protocol,
    serviceName: 'email-dispatcher-bench',
    resourceAttributes: '',
    sampler: 'parentbased_always_on',
    samplerRatio: 1,
  },
  { groupId: 'bench', serviceVersion: '0.0.0', logger: pino({ level: 'warn' }) },
);
const sent: Outcome = {
  kind: 'sent',
  attempts: 1,
  messageId: '<evt-bench-1.1700000000000@acme.test>',
  smtpReply: '250 2.0.0 Ok: queued as 4BCD12F3A',
  relay: 'primary',
};
const headers = { traceparent: Buffer.from('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01') };

/** What the service does for one sent email, in the order it does it; `trace` undefined = tracing off. */
function oneEvent(trace: EventTrace | undefined): number {
  const attempt = trace?.child('smtp send', { kind: 'client', attributes: { 'email_dispatcher.attempt': 1 } });
  if (attempt) endAttemptSpan(attempt, { kind: 'sent', smtpReply: '250 2.0.0 Ok: queued as 4BCD12F3A', relay: 'primary' });
  const receipt = trace?.child('send receipts', { kind: 'producer', attributes: sendAttributes('receipts') });
  const injected = receipt?.headers ?? {};
  receipt?.end();
  if (trace) annotateSettled(trace, sent);
  trace?.end();
  return Object.keys(injected).length;
}

/** CPU µs per event; at most 600 events (1 800 spans) between flushes, so the processor's queue (2 048) never drops one. */
async function cpuPerEvent(on: boolean): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < EVENTS; i += 1) {
    oneEvent(on ? sdk.startEvent({ topic: 'signups', partition: i % 6, offset: String(i), headers, eventId: `evt-${i}` }) : undefined);
    if (on && i % 600 === 599) await sdk.flush();
  }
  if (on) await sdk.flush();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / EVENTS;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

await cpuPerEvent(true); // warm-up
await cpuPerEvent(false);
console.log(`node ${process.version}, ${EVENTS} events x ${ROUNDS} rounds, ${protocol}, µs of CPU per event (median, min–max)`);
for (const [name, on] of [
  ['tracing on (3 spans, exported)', true],
  ['tracing off (no trace on the record)', false],
] as const) {
  const figures: number[] = [];
  for (let r = 0; r < ROUNDS; r += 1) figures.push(await cpuPerEvent(on));
  console.log(`${name.padEnd(40)} ${median(figures).toFixed(2)} µs (${Math.min(...figures).toFixed(2)}–${Math.max(...figures).toFixed(2)})`);
}
await sdk.shutdown();
let said = '';
receiver.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
receiver.kill('SIGINT');
await once(receiver, 'exit');
// What arrived: every span exported, none dropped (JSON spans are decoded and counted; protobuf only weighed).
console.log(`receiver: ${said.trim()}`);
