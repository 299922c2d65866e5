import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

import { SMTPServer } from 'smtp-server';
import { describe, expect, it } from 'vitest';

import { startSmtpSink } from '../../dev/smtp-sink.js';
import { useCleanup } from '../support/cleanup.js';

const run = promisify(execFile);

/** cmd/send-test.ts as a process, with only the environment given (no Kafka: it needs none). */
async function sendTest(args: string[], env: Record<string, string>) {
  const base = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    EMAIL_FROM: 'Acme <welcome@acme.test>',
    SMTP_HOST: '127.0.0.1',
    SMTP_TIMEOUT_MS: '5000',
    SMTP_SEND_TIMEOUT_MS: '10000',
    SMTP_BREAKER_THRESHOLD: '5',
  };
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'cmd/send-test.ts', ...args], { env: { ...base, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A relay that refuses every recipient: 554 relay access denied at RCPT. */
async function refusingRelay(): Promise<{ port: number; stop: () => Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onRcptTo: (_address, _session, callback) => callback(Object.assign(new Error('5.7.1 Relay access denied'), { responseCode: 554 })),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.server.address() as AddressInfo).port, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('send-test', () => {
  const cleanup = useCleanup();

  it('through a relay that accepts › sends one welcome email (--locale honoured) and prints the SMTP reply, exit 0', async () => {
    const sink = await startSmtpSink();
    cleanup.push(() => sink.stop());
    const { code, stdout } = await sendTest(['--to', 'ada@example.test', '--locale', 'de'], { SMTP_PORT: String(sink.port) });
    expect(code).toBe(0);
    // Host and port: which relay answered is what an operator checks.
    expect(stdout).toMatch(new RegExp(`^sent via primary relay \\(127\\.0\\.0\\.1:${sink.port}\\), Message-ID <.+>: 250 `));
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]?.envelope.to).toEqual(['ada@example.test']);
  });

  it('through a relay that refuses › exits 1 with one line giving its answer', async () => {
    const relay = await refusingRelay();
    cleanup.push(() => relay.stop());
    const { code, stdout, stderr } = await sendTest(['--to', 'ada@example.test'], { SMTP_PORT: String(relay.port) });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^send-test: not sent \(primary 554: .*Relay access denied/)]);
  });

  it('the primary refusing and a fallback accepting › sent via the fallback', async () => {
    const relay = await refusingRelay();
    const sink = await startSmtpSink();
    cleanup.push(() => relay.stop());
    cleanup.push(() => sink.stop());
    const { code, stdout } = await sendTest(['--to', 'ada@example.test'], {
      SMTP_PORT: String(relay.port),
      SMTP_FALLBACK_HOST: '127.0.0.1',
      SMTP_FALLBACK_PORT: String(sink.port),
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^sent via fallback relay/);
    expect(sink.received).toHaveLength(1);
  });

  it('an address the service would refuse, or no --to › exit 2, nothing sent', async () => {
    expect((await sendTest(['--to', 'not an address'], { SMTP_PORT: '1' })).code).toBe(2);
    expect((await sendTest([], { SMTP_PORT: '1' })).stderr).toContain('--to ADDRESS is required');
  });
});
