import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, inject, it } from 'vitest';

import type { LoadTestResult } from '../../dev/loadtest/run-load-test.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `npm run load-test` as a user would (tsx, its own SMTP sink, the service as a child process). */
async function loadTest(args: string[]): Promise<{ code: number | null; output: string; result: LoadTestResult }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'load-test-'));
  const json = path.join(dir, 'result.json');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cmd', 'load-test.ts'), ...args, '--json', json], {
      cwd: ROOT,
      // Short retry delays: an event refused three times would otherwise wait 1 + 5 + 10 s.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        KAFKA_BROKERS: inject('kafkaBrokers').join(','),
        EMAIL_RETRY_DELAYS_MS: '200,400,800',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0 && code !== 1) throw new Error(`load test failed (exit ${code}):\n${output}`);
    return { code, output, result: JSON.parse(readFileSync(json, 'utf8')) as LoadTestResult };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('npm run load-test (short form)', () => {
  it(
    '2 000 events with 5 % 451 and 1 % 550 through a spawned service › nothing lost, every 550 on the DLQ, the books balance',
    { timeout: 60_000 },
    async () => {
      const { code, output, result } = await loadTest([
        '--spawn-service',
        '--events',
        '2000',
        '--workers',
        '20',
        '--buffer',
        '200',
        '--sink-latency-ms',
        '5',
        '--transient-rate',
        '0.05',
        '--permanent-rate',
        '0.01',
        '--timeout-s',
        '45',
      ]);
      expect(code, output).toBe(0);
      expect(result).toMatchObject({ produced: 2000, lost: 0, duplicates: 0, unknown: 0, deliveredAndDeadLettered: 0, timedOut: false });
      expect(result.delivered + result.deadLettered).toBe(result.produced);
      // Each 550 the sink answered is exactly one smtp_permanent DLQ record; 451s were retried, not dead-lettered
      // (four 451s in a row for one event, 6e-6 per event, would show as retries_exhausted).
      expect(result.smtpInjected?.permanent).toBeGreaterThan(0);
      expect(result.deadLetteredByReason.smtp_permanent).toBe(result.smtpInjected?.permanent);
      expect(result.smtpInjected?.transient).toBeGreaterThan(0);
      const { smtp_permanent = 0, retries_exhausted = 0, ...other } = result.deadLetteredByReason;
      expect(other).toEqual({});
      expect(result.deadLettered).toBe(smtp_permanent + retries_exhausted);
      expect(result.latencyMs.count).toBe(result.delivered);
      expect(result.memory.peakRssMiB).toBeGreaterThan(0);
      expect(output).toMatch(/LOST\s+0\n/);
    },
  );
});
