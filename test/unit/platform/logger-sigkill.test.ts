import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('../../support/log-then-hang.ts', import.meta.url));

/** Runs the child, SIGKILLs it once it says it has logged, and gives back what it wrote to stdout. */
async function logThenKill(lines: number): Promise<{ stdout: string; exit: NodeJS.Signals | null }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, String(lines)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const ended = new Promise((resolve) => proc.stdout.once('end', resolve));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.once('exit', (_code, signal) => resolve(signal)));
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    if (stderr.includes('logged\n')) proc.kill('SIGKILL');
  });
  const exit = await exited;
  await ended;
  return { stdout, exit };
}

describe('the service logger under SIGKILL', () => {
  it('every line logged before the kill is in the output (no buffer dies with the process)', async () => {
    const { stdout, exit } = await logThenKill(50);
    expect(exit).toBe('SIGKILL');
    const lines = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { line: number; msg: string });
    expect(lines.map((l) => l.line)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  }, 30_000);
});
