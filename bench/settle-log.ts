/**
 * Cost of the one log line per settled email: CPU per line of `logSettled` through the
 * service's own pino logger (JSON, redaction paths, ISO time) to /dev/null, for a sent email and a
 * dead letter, against a logger at level `warn` that drops the info line. Prints figures; asserts nothing.
 *
 *   npx tsx bench/settle-log.ts [--lines 200000] [--rounds 5]
 *
 * Each figure is the median over rounds of process CPU time (user + system) / lines, after a warm-up.
 * Then the destination: the service writes each line synchronously (a SIGKILL loses nothing); against
 * pino's asynchronous default, to a file and to a pipe (a reader drains a FIFO, as a container runtime
 * drains stdout), one line per turn of the event loop as the service logs them (--dest-lines lines).
 */
import { parseArgs } from 'node:util';

import { type Logger, pino } from 'pino';

import { signupEvent } from '../dev/signup-event.js';
import { toConsumedRecord } from '../src/intake/to-consumed-record.js';
import type { Outcome } from '../src/pipeline/outcome.js';
import { createLogger } from '../src/platform/logger.js';
import { logSettled } from '../src/settle/settler.js';
import { destinationCost } from './log-destination-cost.js';

const { values: flags } = parseArgs({
  options: { lines: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '5' }, 'dest-lines': { type: 'string', default: '20000' } },
});
const LINES = Number(flags.lines);
const ROUNDS = Number(flags.rounds);

const value = Buffer.from(JSON.stringify(signupEvent('evt-bench-1')));
const ticket = { topic: 'signups', partition: 3, offset: 1234567n, epoch: 1 };
const record = toConsumedRecord({ key: Buffer.from('k'), value, headers: {}, timestamp: '0', attributes: 0, offset: '1234567' } as never, ticket as never);
const sent: Outcome = {
  kind: 'sent',
  attempts: 1,
  messageId: '<evt-bench-1.1700000000000@acme.test>',
  smtpReply: '250 2.0.0 Ok: queued as 4BCD12F3A',
  relay: 'primary',
};
const deadLetter: Outcome = {
  kind: 'dead-letter',
  reason: 'smtp_permanent',
  error: '550 5.1.1 <someone@example.test>: Recipient address rejected: User unknown',
  smtpCode: 550,
  attempts: 1,
  relay: 'primary',
};

function devNull(level: string): Logger {
  return createLogger({ level, destination: pino.destination({ dest: '/dev/null', sync: true }) });
}

function cpuPerLine(logger: Logger, outcome: Outcome): number {
  const start = process.cpuUsage();
  for (let i = 0; i < LINES; i += 1) logSettled(logger, record, outcome);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / LINES;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

const cases: Array<[string, Logger, Outcome]> = [
  ['sent, info line written', devNull('info'), sent],
  ['dead letter, warn line written (address scrubbed)', devNull('info'), deadLetter],
  ['sent, level warn (line dropped)', devNull('warn'), sent],
];
for (const [, logger, outcome] of cases) cpuPerLine(logger, outcome); // warm-up
console.log(`node ${process.version}, ${LINES} lines x ${ROUNDS} rounds, µs of CPU per line (median)`);
for (const [name, logger, outcome] of cases) {
  const figures = Array.from({ length: ROUNDS }, () => cpuPerLine(logger, outcome));
  console.log(`${name.padEnd(52)} ${median(figures).toFixed(2)} µs`);
}
await destinationCost({ lines: Number(flags['dest-lines']), rounds: ROUNDS, log: (logger) => logSettled(logger, record, sent), median });
