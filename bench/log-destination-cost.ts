/**
 * Part of bench/settle-log.ts: CPU per log line by destination — synchronous (the service's) against
 * pino's asynchronous default, to a regular file and to a pipe a reader drains. One line per turn of
 * the event loop, as the service logs (one per settled email), so the asynchronous destination hands
 * each line to libuv's thread pool as it would in the service, not a batch of a tight loop.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';

import { type Logger, pino } from 'pino';

import { createLogger } from '../src/platform/logger.js';

type SonicBoom = ReturnType<typeof pino.destination> & { _writing?: boolean };

interface DestinationCostOptions {
  readonly lines: number;
  readonly rounds: number;
  readonly log: (logger: Logger) => void;
  readonly median: (xs: number[]) => number;
}

async function cpuPerLine(o: DestinationCostOptions, dest: string, sync: boolean): Promise<number> {
  const stream = pino.destination({ dest, sync }) as SonicBoom;
  if (!sync) await once(stream, 'ready');
  const logger = createLogger({ level: 'info', destination: stream });
  const start = process.cpuUsage();
  for (let i = 0; i < o.lines; i += 1) {
    o.log(logger);
    await nextTurn();
  }
  // The asynchronous destination's last write may still be in the thread pool: its cost counts too.
  if (stream._writing) await once(stream, 'drain');
  const used = process.cpuUsage(start);
  stream.end();
  return (used.user + used.system) / o.lines;
}

export async function destinationCost(o: DestinationCostOptions): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'log-dest-'));
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  // Opened read-write, the reader never sees end of file when one case closes its end: it drains every case.
  const reader = spawn('sh', ['-c', `cat 0<>"${fifo}" > /dev/null`], { stdio: 'ignore' });
  try {
    const cases: Array<[string, string, boolean]> = [
      ['file, synchronous (the service)', path.join(dir, 'sync.log'), true],
      ['file, asynchronous (pino default)', path.join(dir, 'async.log'), false],
      ['pipe, synchronous (the service)', fifo, true],
      ['pipe, asynchronous (pino default)', fifo, false],
    ];
    console.log(`\ndestination: ${o.lines} lines x ${o.rounds} rounds, one line per event-loop turn, µs of CPU per line (median, the turn included)`);
    for (const [name, dest, sync] of cases) {
      await cpuPerLine({ ...o, lines: Math.min(o.lines, 2_000) }, dest, sync); // warm-up
      const figures: number[] = [];
      for (let r = 0; r < o.rounds; r += 1) figures.push(await cpuPerLine(o, dest, sync));
      console.log(`${name.padEnd(52)} ${o.median(figures).toFixed(2)} µs`);
    }
  } finally {
    reader.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
