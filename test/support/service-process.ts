import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SERVICE = fileURLToPath(new URL('../../cmd/service.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Every stdout/stderr line so far (pino JSON lines and anything else). */
  readonly lines: string[];
  /** Parsed JSON log lines. */
  logs(): Array<Record<string, unknown>>;
  waitForLog(predicate: (log: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or 128 + signal number when killed). */
  readonly exited: Promise<number>;
  kill(signal: NodeJS.Signals): void;
}

/** Runs `cmd/service.ts` as a real process with only the given environment (plus PATH/HOME). */
export function startService(env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVICE], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  const onChunk = (buffer: { text: string }) => (chunk: Buffer) => {
    buffer.text += chunk.toString('utf8');
    let i: number;
    while ((i = buffer.text.indexOf('\n')) !== -1) {
      lines.push(buffer.text.slice(0, i));
      buffer.text = buffer.text.slice(i + 1);
    }
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onChunk({ text: '' }));
  child.stderr?.on('data', onChunk({ text: '' }));
  const signals: Record<string, number> = { SIGTERM: 15, SIGKILL: 9, SIGINT: 2 };
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? (signals[signal] ?? 0) : 0)));
  });
  const logs = () =>
    lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  return {
    child,
    lines,
    logs,
    exited,
    kill: (signal) => child.kill(signal),
    waitForLog(predicate, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = logs().find(predicate);
          if (hit) {
            cleanup();
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`log line not seen within ${timeoutMs} ms; last lines:\n${lines.slice(-20).join('\n')}`));
        }, timeoutMs);
        const onExit = () => {
          check();
          cleanup();
          reject(new Error(`service exited before the log line; last lines:\n${lines.slice(-20).join('\n')}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      });
    },
  };
}
