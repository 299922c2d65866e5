import { fileURLToPath } from 'node:url';

import { type ServiceProcess as SpawnedService, spawnService } from '../../dev/service-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The spawned service, plus what a test reads from its output. */
export interface ServiceProcess extends SpawnedService {
  /** Every stdout/stderr line so far (pino JSON lines and anything else). */
  readonly lines: string[];
  /** Parsed JSON log lines. */
  logs(): Array<Record<string, unknown>>;
  waitForLog(predicate: (log: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Runs `cmd/service.ts` as a real process with only the given environment (plus PATH/HOME), keeping its output. */
export function startService(env: Record<string, string>): ServiceProcess {
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  const service = spawnService({
    projectRoot: ROOT,
    entry: 'source',
    env,
    onLine(line) {
      lines.push(line);
      for (const l of listeners) l();
    },
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
    ...service,
    lines,
    logs,
    waitForLog(predicate, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        let settled = false;
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
          if (settled) return;
          check();
          cleanup();
          reject(new Error(`service exited before the log line; last lines:\n${lines.slice(-20).join('\n')}`));
        };
        const cleanup = () => {
          settled = true;
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void service.exited.then(onExit);
        check();
      });
    },
  };
}
