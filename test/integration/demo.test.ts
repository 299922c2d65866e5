import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm run demo', () => {
  it('runs the whole job on the embedded stack, shows every email, and leaves no process or port behind', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'demo-kafka-'));
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const env = {
      ...process.env,
      LOCAL_KAFKA_PORT: String(port),
      LOCAL_KAFKA_CONTROLLER_PORT: String(port + 1),
      LOCAL_KAFKA_DIR: dir,
      SMTP_SINK_PORT: String(port + 2),
      HTTP_PORT: String(port + 3),
    };
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cmd', 'demo.ts'), '--once', '--events', '4'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      expect(code, output).toBe(0);
      expect(output.match(/✉\s.*\sto \S+@example\.test\s+"Welcome, .+!"\s+<demo-/g)).toHaveLength(4);
      expect(output).toContain('went to user-signups.dlq');
      // The environment send-test needs to go through the demo's sink.
      expect(output).toContain(
        `SMTP_HOST=127.0.0.1 SMTP_PORT=${port + 2} EMAIL_FROM='Acme <welcome@acme.test>' npm run send-test -- --to someone@example.test`,
      );
      for (const p of [port, port + 1, port + 2, port + 3]) expect(await listening(p), `port ${p}`).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
