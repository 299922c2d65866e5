import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import type { LoadTestResult } from '../../src/loadtest/run-load-test.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run load-test (short form)', () => {
  it('with 5 % 4xx and 1 % 5xx › loses nothing, and every event is either delivered or dead-lettered', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'load-test-'));
    const json = path.join(dir, 'result.json');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cmd', 'load-test.ts'), '--events', '2000', '--workers', '20', '--buffer', '200', '--sink-latency-ms', '5', '--transient-rate', '0.05', '--permanent-rate', '0.01', '--timeout-s', '90', '--json', json], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KAFKA_BROKERS: inject('kafkaBrokers').join(',') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      expect(code, output).toBe(0);
      const result = JSON.parse(readFileSync(json, 'utf8')) as LoadTestResult;
      expect(result.lost).toBe(0);
      expect(result.delivered + result.deadLettered).toBe(result.produced);
      expect(result.produced).toBe(2000);
      // About 1 % answer 5xx: they land on the DLQ, not in the sink.
      expect(result.deadLettered).toBeGreaterThan(0);
      expect(result.deadLettered).toBeLessThan(100);
      expect(output).toMatch(/LOST\s+0/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
