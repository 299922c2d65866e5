/**
 * The service (cmd/service.ts, or the compiled dist/cmd/service.js) as a real child process, for the
 * demo, the load test, the bench, the chaos test and the integration tests.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

import { configEnvNames } from '../src/platform/config/config.js';

interface CommonOptions {
  /** The repository root (holds cmd/ and, after `npm run build`, dist/). */
  readonly projectRoot: string;
  /**
   * `source` runs cmd/service.ts through tsx; `dist` runs the compiled dist/cmd/service.js (what a
   * container runs; no TypeScript loader in the measured RSS — run `npm run build` first).
   */
  readonly entry: 'source' | 'dist';
  /** The service's environment (config variables); PATH and HOME are added, unset (undefined) ones left out. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Extra node flags, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
}

/** Where stdout and stderr go: a file, or each line of either to `onLine` (what a test reads its logs from). */
export type ServiceProcessOptions = CommonOptions &
  ({ readonly logFile: string; readonly onLine?: never } | { readonly onLine: (line: string) => void; readonly logFile?: never });

export interface ServiceProcess {
  readonly pid: number;
  /** Exit code, or 128 + signal number. */
  readonly exited: Promise<number>;
  /** Sends `signal` at once, with no grace period (a crash, or a SIGTERM whose exit the caller awaits). */
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM (graceful shutdown), then SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<number>;
}

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * The service's configuration variables set in the load test's environment (TLS, SASL, retry
 * delays, log level …), handed to the service it spawns: both reach a remote cluster the same way,
 * and anything the load test does not set itself (topics, group, SMTP target, workers, HTTP port)
 * can be tuned as for the real service.
 */
export function serviceEnvFrom(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of configEnvNames()) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

export function spawnService(o: ServiceProcessOptions): ServiceProcess {
  const args =
    o.entry === 'dist'
      ? [...(o.nodeArgs ?? []), path.join(o.projectRoot, 'dist', 'cmd', 'service.js')]
      : [...(o.nodeArgs ?? []), '--import', 'tsx', path.join(o.projectRoot, 'cmd', 'service.ts')];
  let out: number | 'pipe' = 'pipe';
  if (o.logFile !== undefined) {
    mkdirSync(path.dirname(o.logFile), { recursive: true });
    out = openSync(o.logFile, 'w');
  }
  const child = spawn(process.execPath, args, {
    cwd: o.projectRoot,
    stdio: ['ignore', out, out],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KAFKAJS_NO_PARTITIONER_WARNING: '1', ...o.env },
  });
  if (out !== 'pipe') closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${process.execPath} ${args.join(' ')}`);
  if (o.onLine !== undefined) {
    const onLine = o.onLine;
    for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
  }
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (SIGNALS[signal] ?? 0) : 0))));
  let stopping: Promise<number> | undefined;
  return {
    pid: child.pid,
    exited,
    kill: (signal) => void child.kill(signal),
    stop(graceMs = 30_000) {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return exited;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const code = await exited;
        clearTimeout(timer);
        return code;
      })();
      return stopping;
    },
  };
}
