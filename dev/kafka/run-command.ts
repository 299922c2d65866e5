import { spawn } from 'node:child_process';

export interface RunResult {
  /** Exit code, or null when the process was ended by a signal. */
  code: number | null;
  /** stdout and stderr interleaved, the last `maxOutputChars` characters only. */
  output: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** @default 64_000 */
  maxOutputChars?: number;
}

/**
 * Runs a command to completion and collects its output. Rejects with the spawn error (e.g. `code: 'ENOENT'`
 * when the command is not on PATH) or an AbortError; a non-zero exit is a result, not a rejection.
 */
export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { cwd, env, signal, maxOutputChars = 64_000 } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, signal, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > maxOutputChars * 2) output = output.slice(-maxOutputChars);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output: output.slice(-maxOutputChars) }));
  });
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
