/**
 * Kafka security on the wire against a real broker (dev/local-kafka.ts) with a listener per setup:
 * SASL/PLAIN, TLS, mutual TLS (ssl.client.auth=required), SASL_SSL with SCRAM-SHA-256/512 users made
 * with Kafka's own tools, and TLS with a certificate for another host. Certificates are made here.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createCertificateAuthority, type IssuedCertificate } from '../../dev/kafka/certificates.js';
import { alterScramPassword, ensureKafka, type LocalKafka } from '../../dev/local-kafka.js';
import { signupEvent } from '../../dev/signup-event.js';
import { startSmtpSink } from '../../dev/smtp-sink.js';
import { toConsumedRecord } from '../../src/intake/to-consumed-record.js';
import { loadConfig } from '../../src/platform/config/config.js';
import { kafkaClientConfig } from '../../src/platform/kafka/client-config.js';
import { buildDlqMessage } from '../../src/settle/publish/dlq-message.js';
import { committedLag, createWorld, produceEvents, serviceEnv, startApp, until, type World } from '../support/app-harness.js';
import { consumeAll } from '../support/kafka.js';
import { startService } from '../support/service-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'security-'));
const base = 30_000 + Math.floor(Math.random() * 2_990);
const PORT = { plaintext: base, controller: base + 1, saslPlain: base + 2, tls: base + 3, mtls: base + 4, scram: base + 5, wrongHost: base + 6 };
const at = (port: number) => `127.0.0.1:${port}`;
const SASL_PASSWORD = 'kafka-Sasl-s3cret';
const SMTP_PASSWORD = 'smtp-Tls-s3cret';
const SCRAM = {
  'scram-sha-256': { user: 'dispatcher256', password: 'Scram256-s3cret' },
  'scram-sha-512': { user: 'dispatcher512', password: 'Scram512-s3cret' },
} as const;

let kafka: LocalKafka;
let ca: string;
let strangerCa: string;
let client: IssuedCertificate;
let smtpTls: { key: string; cert: string };

beforeAll(async () => {
  const authority = await createCertificateAuthority(path.join(dir, 'certs'), 'kafka-test-ca');
  const stranger = await createCertificateAuthority(path.join(dir, 'stranger'), 'stranger-ca');
  const broker = await authority.issue('broker', { usage: 'server', altNames: ['DNS:localhost', 'IP:127.0.0.1'] });
  const otherHost = await authority.issue('other-host', { usage: 'server', altNames: ['DNS:kafka.example.invalid'] });
  const smtp = await stranger.issue('smtp', { usage: 'server', altNames: ['IP:127.0.0.1'] });
  client = await authority.issue('dispatcher', { usage: 'client' });
  ca = authority.cert;
  strangerCa = stranger.cert;
  smtpTls = { key: readFileSync(smtp.key, 'utf8'), cert: readFileSync(smtp.cert, 'utf8') };
  kafka = await ensureKafka({
    port: PORT.plaintext,
    controllerPort: PORT.controller,
    dir: path.join(dir, 'kafka'),
    heap: '512m',
    fresh: true,
    sasl: { port: PORT.saslPlain, users: { dispatcher: SASL_PASSWORD } },
    tlsListeners: [
      { name: 'TLS', port: PORT.tls, keystore: broker.keystore },
      { name: 'MTLS', port: PORT.mtls, keystore: broker.keystore, clientCa: ca },
      { name: 'SCRAM', port: PORT.scram, keystore: broker.keystore, scram: true },
      { name: 'WRONGHOST', port: PORT.wrongHost, keystore: otherHost.keystore },
    ],
    scramUsers: [
      { mechanism: 'SCRAM-SHA-256', user: SCRAM['scram-sha-256'].user, password: SCRAM['scram-sha-256'].password },
      { mechanism: 'SCRAM-SHA-512', user: SCRAM['scram-sha-512'].user, password: SCRAM['scram-sha-512'].password },
      { mechanism: 'SCRAM-SHA-256', user: 'rotating', password: 'Rotation-one-P4ss' },
    ],
  });
}, 180_000);

afterAll(async () => {
  await kafka?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Topics made over PLAINTEXT; the service reaches them through the listener under test. */
async function withWorld(run: (world: World) => Promise<void>): Promise<void> {
  const world = await createWorld(kafka.brokers);
  try {
    await run(world);
  } finally {
    await world.close();
  }
}

/** The service in process: sends the events it consumes through `listener`, commits them, and logs neither secret. */
async function flowsThrough(env: Record<string, string>, ids: string[]): Promise<void> {
  await withWorld(async (world) => {
    const sink = await startSmtpSink();
    const logs: string[] = [];
    const app = await startApp(serviceEnv(world, sink.port, { LOG_LEVEL: 'debug', ...env }), { logs });
    try {
      await produceEvents(world, ids);
      await sink.waitFor(ids.length, { timeoutMs: 30_000 });
      await until(async () => (await committedLag(world)) === 0, { what: 'committed lag 0' });
      expect(logs.join('\n')).not.toMatch(/s3cret|PRIVATE KEY/);
    } finally {
      await app.stop();
      await sink.stop();
    }
  });
}

/** The service as a process that must refuse to start: its exit code, its lines, and what it left behind. */
async function refusedStart(env: Record<string, string>) {
  let result: { code: number; lines: string[]; errors: Array<Record<string, unknown>>; mails: number; lag: number } | undefined;
  await withWorld(async (world) => {
    const sink = await startSmtpSink();
    try {
      await produceEvents(world, ['refused-1', 'refused-2']);
      const service = startService(serviceEnv(world, sink.port, { LOG_LEVEL: 'info', ...env }));
      const code = await service.exited;
      const errors = service.logs().filter((l) => l.level === 'error' || l.level === 'fatal');
      result = { code, lines: service.lines, errors, mails: sink.count, lag: await committedLag(world) };
    } finally {
      await sink.stop();
    }
  });
  return result as NonNullable<typeof result>;
}

const tlsEnv = (port: number, extra: Record<string, string> = {}) => ({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: ca, KAFKA_BROKERS: at(port), ...extra });
const mtlsEnv = () => tlsEnv(PORT.mtls, { KAFKA_SSL_CERT_FILE: client.cert, KAFKA_SSL_KEY_FILE: client.key });

describe('Kafka SASL/PLAIN and SMTP implicit TLS', () => {
  it('consumes over SASL/PLAIN (password from a file), sends over implicit TLS with auth, and never logs either secret', async () => {
    const world = await createWorld(kafka.brokers);
    const sink = await startSmtpSink({ auth: { user: 'mailer', pass: SMTP_PASSWORD }, tls: { ...smtpTls, mode: 'implicit' } });
    const saslFile = path.join(dir, 'sasl-password');
    writeFileSync(saslFile, `${SASL_PASSWORD}\n`);
    const logs: string[] = [];
    const app = await startApp(
      serviceEnv(world, sink.port, {
        KAFKA_BROKERS: at(PORT.saslPlain),
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'dispatcher',
        KAFKA_SASL_PASSWORD_FILE: saslFile,
        SMTP_SECURE: 'true',
        SMTP_TLS_CA_FILE: strangerCa,
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
    const env = serviceEnv(world, sink.port, {
      KAFKA_BROKERS: at(PORT.saslPlain),
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'dispatcher',
      KAFKA_SASL_PASSWORD: 'wrong',
    });
    try {
      await expect(startApp(env)).rejects.toThrow(/SASL|[Aa]uthentication/);
    } finally {
      await sink.stop();
      await world.close();
    }
  });
});

describe('Kafka over TLS', () => {
  it('with KAFKA_SSL_CA_FILE › verifies the broker (its name included) and consumes', async () => {
    await flowsThrough(tlsEnv(PORT.tls), ['tls-1', 'tls-2']);
  });

  it.each([
    [
      'a certificate for another host',
      () => tlsEnv(PORT.wrongHost),
      /Hostname\/IP does not match certificate's altnames: IP: 127\.0\.0\.1 is not in the cert's list\)/,
    ],
    ['a certificate from an unknown CA', () => tlsEnv(PORT.tls, { KAFKA_SSL_CA_FILE: strangerCa }), /\(self-signed certificate in certificate chain\)/],
  ])('%s › refused at start: one clear line, exit 1, no stack trace, nothing consumed', async (_, env, reason) => {
    const started = Date.now();
    const { code, errors, lines, mails, lag } = await refusedStart(env());
    expect(code).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      level: 'fatal',
      msg: expect.stringMatching(/^startup failed: Kafka broker 127\.0\.0\.1:\d+: its TLS certificate does not verify \(.*\); check KAFKA_SSL_CA_FILE/),
    });
    expect(errors[0]?.msg).toMatch(reason);
    expect(lines.join('\n')).not.toMatch(/\n\s+at |"stack"/);
    expect({ mails, lag }).toEqual({ mails: 0, lag: 2 });
    // Not KafkaJS's minutes of retries.
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe('Kafka over mutual TLS (ssl.client.auth=required)', () => {
  it('with KAFKA_SSL_CERT_FILE and a KAFKA_SSL_KEY_FILE only its owner can read › consumes', async () => {
    chmodSync(client.key, 0o600);
    await flowsThrough(mtlsEnv(), ['mtls-1', 'mtls-2']);
  });

  it('without a client certificate › refused at start in one line naming the variables', async () => {
    const { code, errors, mails, lag } = await refusedStart(tlsEnv(PORT.mtls));
    expect(code).toBe(1);
    expect(errors).toEqual([
      expect.objectContaining({
        msg: expect.stringMatching(
          /^startup failed: Kafka broker 127\.0\.0\.1:\d+ refused the client certificate \(.*\); check KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE$/,
        ),
      }),
    ]);
    expect({ mails, lag }).toEqual({ mails: 0, lag: 2 });
  });

  it('the redrive CLI › republishes over mutual TLS; without the client certificate it refuses in one line', async () => {
    await withWorld(async (world) => {
      const message = {
        key: Buffer.from('user-redrive-1'),
        value: Buffer.from(JSON.stringify(signupEvent('redrive-1'))),
        headers: {},
        timestamp: '1700000000000',
        attributes: 0,
        offset: '0',
      };
      const consumed = toConsumedRecord(message as unknown as KafkaMessage, { topic: world.topic, partition: 0, offset: 0n, epoch: 1 });
      const dead = buildDlqMessage(
        consumed,
        { kind: 'dead-letter', reason: 'retries_exhausted', error: '451 try later', smtpCode: 451, attempts: 4 },
        { groupId: world.groupId, failedAt: new Date() },
      );
      await world.producer.send({ topic: world.dlqTopic, acks: -1, messages: [dead] });
      const env = { KAFKA_GROUP_ID: world.groupId, KAFKA_DLQ_TOPIC: world.dlqTopic };

      const refused = await redrive({ ...env, ...tlsEnv(PORT.mtls) });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /^redrive: Kafka broker 127\.0\.0\.1:\d+ refused the client certificate \(.*\); check KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE\n$/,
      );

      const done = await redrive({ ...env, ...mtlsEnv() });
      expect(done.code).toBe(0);
      const republished = await consumeAll(kafka.brokers, world.topic, { expected: 1 });
      expect(republished.map((m) => m.key?.toString())).toEqual(['user-redrive-1']);
    });
  });
});

/** `cmd/redrive.ts` as the Job runs it (through tsx), with only `env`. */
function redrive(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const full = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env };
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'cmd/redrive.ts', '--connect-timeout', '20'],
      { cwd: ROOT, env: full, timeout: 90_000 },
      (_err, stdout, stderr) => resolve({ code: child.exitCode, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

describe('Kafka SASL_SSL with SCRAM', () => {
  it.each(['scram-sha-256', 'scram-sha-512'] as const)('%s over TLS, the password from a file › consumes', async (mechanism) => {
    const file = path.join(dir, `${mechanism}-password`);
    writeFileSync(file, `${SCRAM[mechanism].password}\n`);
    await flowsThrough(tlsEnv(PORT.scram, { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: SCRAM[mechanism].user, KAFKA_SASL_PASSWORD_FILE: file }), [
      `${mechanism}-1`,
      `${mechanism}-2`,
    ]);
  });

  it('with a wrong password › exits non-zero, nothing consumed, nothing committed, the password in no log line', async () => {
    const wrong = 'Wrong-scram-Pa55';
    const { code, lines, errors, mails, lag } = await refusedStart(
      tlsEnv(PORT.scram, { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: SCRAM['scram-sha-512'].user, KAFKA_SASL_PASSWORD: wrong }),
    );
    expect(code).not.toBe(0);
    expect({ mails, lag }).toEqual({ mails: 0, lag: 2 });
    expect(errors.at(-1)).toMatchObject({ level: 'fatal', msg: expect.stringMatching(/^startup failed: SASL SCRAM SHA512 authentication failed/) });
    expect(errors.at(-1)).not.toHaveProperty('err');
    expect(lines.join('\n')).not.toContain(wrong);
  });

  it('when KAFKA_SASL_PASSWORD_FILE and the broker’s password change › the next connection of the same client uses the new one', async () => {
    const file = path.join(dir, 'rotating-password');
    writeFileSync(file, 'Rotation-one-P4ss\n');
    const config = loadConfig({
      ...tlsEnv(PORT.scram),
      SMTP_HOST: 'unused.invalid',
      EMAIL_FROM: 'a@unused.invalid',
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_USERNAME: 'rotating',
      KAFKA_SASL_PASSWORD_FILE: file,
    });
    const client = new Kafka({ ...kafkaClientConfig(config, pino({ level: 'silent' })), logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const connectOnce = async () => {
      const admin = client.admin();
      try {
        await admin.connect();
        await admin.listTopics();
      } finally {
        await admin.disconnect();
      }
    };
    await connectOnce();
    await alterScramPassword({ bootstrap: at(PORT.plaintext), mechanism: 'SCRAM-SHA-256', user: 'rotating', password: 'Rotation-two-P4ss' });
    await expect(connectOnce()).rejects.toThrow(/SASL SCRAM SHA256 authentication failed/);
    writeFileSync(file, 'Rotation-two-P4ss\n');
    await connectOnce();
  });
});
