import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureKafka, type LocalKafka } from '../../dev/local-kafka.js';
import { startSmtpSink } from '../../dev/smtp-sink.js';
import { committedLag, createWorld, produceEvents, serviceEnv, startApp, until } from '../support/app-harness.js';

const dir = mkdtempSync(path.join(tmpdir(), 'security-'));
const port = 26_000 + Math.floor(Math.random() * 3_000);
const SASL_PASSWORD = 'kafka-Sasl-s3cret';
const SMTP_PASSWORD = 'smtp-Tls-s3cret';
let kafka: LocalKafka;

beforeAll(async () => {
  kafka = await ensureKafka({ port, controllerPort: port + 1, dir: path.join(dir, 'kafka'), heap: '512m', fresh: true, sasl: { port: port + 2, users: { dispatcher: SASL_PASSWORD } } });
}, 120_000);

afterAll(async () => {
  await kafka?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function selfSignedCertificate(): { key: string; cert: string } {
  const key = path.join(dir, 'smtp.key');
  const cert = path.join(dir, 'smtp.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

describe('Kafka SASL and SMTP TLS against real servers', () => {
  it('consumes over SASL/PLAIN (password from a file), sends over implicit TLS with auth, and never logs either secret', async () => {
    const world = await createWorld(kafka.brokers);
    const sink = await startSmtpSink({ auth: { user: 'mailer', pass: SMTP_PASSWORD }, tls: { ...selfSignedCertificate(), mode: 'implicit' } });
    const saslFile = path.join(dir, 'sasl-password');
    writeFileSync(saslFile, `${SASL_PASSWORD}\n`);
    const logs: string[] = [];
    const app = await startApp(
      serviceEnv(world, sink.port, {
        KAFKA_BROKERS: `127.0.0.1:${port + 2}`,
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'dispatcher',
        KAFKA_SASL_PASSWORD_FILE: saslFile,
        SMTP_SECURE: 'true',
        SMTP_TLS_REJECT_UNAUTHORIZED: 'false',
        SMTP_USER: 'mailer',
        SMTP_PASS: SMTP_PASSWORD,
        LOG_LEVEL: 'debug',
      }),
      { logs },
    );
    try {
      await produceEvents(world, ['sec-1', 'sec-2']);
      await sink.waitFor(2, { timeoutMs: 30_000 });
      await until(async () => (await committedLag(world)) === 0, { what: 'committed lag 0' });
      expect(logs.length).toBeGreaterThan(3);
      const all = logs.join('\n');
      expect(all).not.toContain(SASL_PASSWORD);
      expect(all).not.toContain(SMTP_PASSWORD);
      expect(all).not.toContain('sec-1@example.test');
    } finally {
      await app.stop();
      await sink.stop();
      await world.close();
    }
  });

  it('with a wrong SASL password › refuses to start', async () => {
    const world = await createWorld(kafka.brokers);
    const sink = await startSmtpSink();
    const env = serviceEnv(world, sink.port, { KAFKA_BROKERS: `127.0.0.1:${port + 2}`, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'dispatcher', KAFKA_SASL_PASSWORD: 'wrong' });
    try {
      await expect(startApp(env)).rejects.toThrow(/SASL|[Aa]uthentication/);
    } finally {
      await sink.stop();
      await world.close();
    }
  });
});
