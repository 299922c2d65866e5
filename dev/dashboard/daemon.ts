/** A helper server (Prometheus, redis-server) as a child process with its output in a log file. */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';

import { waitUntil } from '../loadtest/wait.js';

export interface DaemonOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  /** Names it in errors, e.g. "Prometheus". */
  readonly what: string;
  /** True once it serves (polled every 200 ms). */
  readonly ready: () => Promise<boolean>;
  /** @default 30_000 */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface Daemon {
  readonly pid: number;
  /** SIGTERM, SIGKILL after 10 s; resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

export async function startDaemon(o: DaemonOptions): Promise<Daemon> {
  mkdirSync(path.dirname(o.logFile), { recursive: true });
  const out = openSync(o.logFile, 'w');
  const child = spawn(o.command, [...o.args], { stdio: ['ignore', out, out] });
  closeSync(out);
  let exitCode: number | string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      exitCode = error.message;
      resolve();
    });
    child.once('exit', (code, signal) => {
      exitCode = code ?? signal ?? 'unknown';
      resolve();
    });
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    })());

  const served = await waitUntil(async () => exitCode !== undefined || (await o.ready()), {
    deadline: Date.now() + (o.timeoutMs ?? 30_000),
    everyMs: 200,
    signal: o.signal,
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  if (exitCode !== undefined) throw new Error(`${o.what} exited (${exitCode}) before it served; see ${o.logFile}`);
  if (!served) {
    await stop();
    throw new Error(`${o.what} did not serve within ${(o.timeoutMs ?? 30_000) / 1000} s; see ${o.logFile}`);
  }
  if (child.pid === undefined) throw new Error(`could not start ${o.command}`);
  return { pid: child.pid, stop };
}
