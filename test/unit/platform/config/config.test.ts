import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { createCertificateAuthority } from '../../../../dev/kafka/certificates.js';
import { configEnvNames, fromDomain, loadConfig, REQUIRED_ENV, unknownServiceVariables } from '../../../../src/platform/config/config.js';
import { ConfigError } from '../../../../src/platform/service-error.js';

const REQUIRED = { KAFKA_BROKERS: 'kafka-0:9092', SMTP_HOST: 'smtp.acme.test', EMAIL_FROM: 'Acme <welcome@acme.test>' };
const SECRET = 'hunter2-secret';

/** The problems `loadConfig(env)` reports; fails the test when it does not throw a ConfigError. */
function problemsFor(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

const tmp = mkdtempSync(join(tmpdir(), 'config-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function secretFile(name: string, content: string): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

describe('loadConfig', () => {
  describe('when only the three required variables are set', () => {
    it('fills every other setting with its documented default', () => {
      expect(loadConfig(REQUIRED)).toEqual({
        kafka: {
          brokers: ['kafka-0:9092'],
          clientId: 'email-dispatcher',
          groupId: 'email-dispatcher',
          topic: 'user-signups',
          dlqTopic: 'user-signups.dlq',
          receiptsTopic: '',
          fromBeginning: true,
          sessionTimeoutMs: 30_000,
          heartbeatIntervalMs: 3_000,
          metadataMaxAgeMs: 300_000,
          commitIntervalMs: 50,
          maxAheadPerPartition: 10_000,
          maxUncommitted: 500,
          dlqPublishStallMs: 60_000,
          receiptPublishStallMs: 60_000,
          ssl: false,
          sslCaFile: '',
          sslCertFile: '',
          sslKeyFile: '',
          sslRejectUnauthorized: true,
          saslMechanism: '',
          saslUsername: '',
          saslPassword: '',
          saslPasswordFile: '',
        },
        smtp: {
          host: 'smtp.acme.test',
          port: 587,
          secure: false,
          requireTls: false,
          tlsRejectUnauthorized: true,
          tlsCaFile: '',
          user: '',
          pass: '',
          passFile: '',
          timeoutMs: 30_000,
          sendTimeoutMs: 60_000,
          breakerThreshold: 5,
          breakerProbeIntervalMs: 5_000,
        },
        email: {
          from: 'Acme <welcome@acme.test>',
          envelopeFrom: '',
          workerCount: 10,
          workerBuffer: 100,
          maxRetries: 3,
          retryDelaysMs: [1_000, 5_000, 10_000],
          rateLimitPerSecond: 0,
          rateLimitScope: 'pod',
          templatesDir: '',
          unmappedEventTypes: 'dlq',
          defaultLocale: 'en',
          templateVars: {},
          rateLimitMaxReplicas: 6,
        },
        smtpFallback: { host: '', port: 587, secure: false, user: '', pass: '', passFile: '' },
        redis: { url: '' },
        dkim: { domain: '', selector: '', privateKeyFile: '' },
        idempotency: { redisUrl: '', ttlSeconds: 604_800, leaseMs: 10_000, leaseRenewMs: 2_000, strict: false },
        http: { port: 9464 },
        shutdownTimeoutMs: 25_000,
        livenessStallMs: 300_000,
        logLevel: 'info',
        // Off: no OTEL_* variable asks for traces.
        tracing: { enabled: false },
      });
    });

    it('ignores variables it does not own', () => {
      expect(loadConfig({ ...REQUIRED, PATH: '/usr/bin', UNRELATED_SETTING: 'x' }).smtp.host).toBe('smtp.acme.test');
    });
  });

  describe('when values are set', () => {
    it('splits and trims the broker and retry-delay lists', () => {
      const config = loadConfig({ ...REQUIRED, KAFKA_BROKERS: 'kafka-0:9092, kafka-1:9093 ,[::1]:9094', EMAIL_RETRY_DELAYS_MS: '0, 250,2000' });
      expect(config.kafka.brokers).toEqual(['kafka-0:9092', 'kafka-1:9093', '[::1]:9094']);
      expect(config.email.retryDelaysMs).toEqual([0, 250, 2000]);
    });

    it('reads numbers, booleans and enums', () => {
      const config = loadConfig({
        ...REQUIRED,
        EMAIL_WORKER_COUNT: '4',
        EMAIL_WORKER_BUFFER: '4',
        EMAIL_MAX_RETRIES: '0',
        SMTP_PORT: '465',
        SMTP_SECURE: 'TRUE',
        KAFKA_SSL: '1',
        KAFKA_FROM_BEGINNING: 'false',
        LOG_LEVEL: 'debug',
      });
      expect(config.email).toMatchObject({ workerCount: 4, workerBuffer: 4, maxRetries: 0 });
      expect(config.smtp).toMatchObject({ port: 465, secure: true });
      expect(config.kafka).toMatchObject({ ssl: true, fromBeginning: false });
      expect(config.logLevel).toBe('debug');
    });

    it('reads the whole-send deadline SMTP_SEND_TIMEOUT_MS', () => {
      expect(loadConfig({ ...REQUIRED, SMTP_SEND_TIMEOUT_MS: '45000' }).smtp).toMatchObject({ timeoutMs: 30_000, sendTimeoutMs: 45_000 });
    });

    it('accepts SMTP_USER and SMTP_PASS together', () => {
      expect(loadConfig({ ...REQUIRED, SMTP_USER: 'mailer', SMTP_PASS: SECRET }).smtp).toMatchObject({ user: 'mailer', pass: SECRET });
    });
  });

  describe.each(REQUIRED_ENV)('when the required %s is missing', (name) => {
    it('throws a ConfigError with exactly one line, naming it', () => {
      const env: Record<string, string> = { ...REQUIRED };
      delete env[name];
      const problems = problemsFor(env);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${name}: `));
    });

    it('reports an empty value the same way', () => {
      expect(problemsFor({ ...REQUIRED, [name]: '' })).toEqual([expect.stringMatching(new RegExp(`^${name}: `))]);
    });
  });

  it('when nothing is set › names all three required variables', () => {
    const problems = problemsFor({});
    expect(problems.map((line) => line.split(':')[0])).toEqual(['KAFKA_BROKERS', 'SMTP_HOST', 'EMAIL_FROM']);
  });

  describe.each([
    ['EMAIL_WORKER_COUNT', 'abc'],
    ['EMAIL_WORKER_COUNT', '0'],
    ['EMAIL_WORKER_COUNT', '1.5'],
    ['EMAIL_WORKER_COUNT', '-3'],
    ['EMAIL_MAX_RETRIES', 'three'],
    ['SMTP_PORT', '99999'],
    ['SMTP_PORT', 'smtp'],
    ['SMTP_SEND_TIMEOUT_MS', '0'],
    ['KAFKA_MAX_UNCOMMITTED', '0'],
    ['KAFKA_MAX_UNCOMMITTED', 'lots'],
    ['SMTP_SEND_TIMEOUT_MS', '1m'],
    ['KAFKA_BROKERS', 'nope'],
    ['KAFKA_BROKERS', 'kafka-0:9092,kafka-1'],
    ['EMAIL_RETRY_DELAYS_MS', '1,x'],
    ['EMAIL_RETRY_DELAYS_MS', '1000,-5'],
    ['SMTP_SECURE', 'ture'],
    ['KAFKA_SSL', 'yes'],
    ['LOG_LEVEL', 'loud'],
    ['KAFKA_SASL_MECHANISM', 'kerberos'],
    ['EMAIL_FROM', 'not an address'],
    ['EMAIL_FROM', 'welcome@localhost'],
    ['EMAIL_ENVELOPE_FROM', 'Bounces <bounces@acme.test>'],
    ['EMAIL_ENVELOPE_FROM', 'bounces+{eventId}+{eventId}@acme.test'],
    ['EMAIL_ENVELOPE_FROM', 'bounces+{eventId}@localhost'],
    ['KAFKA_TOPIC', '   '],
  ])('when %s=%j', (name, value) => {
    it('reports one line that names the variable and shows the raw value', () => {
      const problems = problemsFor({ ...REQUIRED, [name]: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${name}: `));
      expect(problems[0]).toContain(JSON.stringify(value));
    });
  });

  it('when several variables are bad › reports one line for each, in any order', () => {
    const problems = problemsFor({ ...REQUIRED, EMAIL_WORKER_COUNT: 'abc', SMTP_PORT: '99999', SMTP_SECURE: 'ture', LOG_LEVEL: 'loud' });
    expect(problems.map((line) => line.split(':')[0]).sort()).toEqual(['EMAIL_WORKER_COUNT', 'LOG_LEVEL', 'SMTP_PORT', 'SMTP_SECURE']);
  });

  it('when a value contains a line break › reports it on one line and does not use it', () => {
    const problems = problemsFor({ ...REQUIRED, EMAIL_WORKER_COUNT: '5\n6' });
    expect(problems).toEqual(['EMAIL_WORKER_COUNT: must not contain line breaks']);
  });

  describe('cross-field rules', () => {
    it('when EMAIL_WORKER_BUFFER < EMAIL_WORKER_COUNT › names EMAIL_WORKER_BUFFER', () => {
      expect(problemsFor({ ...REQUIRED, EMAIL_WORKER_COUNT: '10', EMAIL_WORKER_BUFFER: '9' })).toEqual([
        expect.stringMatching(/^EMAIL_WORKER_BUFFER: must be >= EMAIL_WORKER_COUNT \(10\)/),
      ]);
    });

    it('when KAFKA_MAX_AHEAD_PER_PARTITION < EMAIL_WORKER_BUFFER › names KAFKA_MAX_AHEAD_PER_PARTITION', () => {
      expect(problemsFor({ ...REQUIRED, EMAIL_WORKER_BUFFER: '200', KAFKA_MAX_AHEAD_PER_PARTITION: '100' })).toEqual([
        expect.stringMatching(/^KAFKA_MAX_AHEAD_PER_PARTITION: must be >= EMAIL_WORKER_BUFFER \(200\)/),
      ]);
    });

    it('when KAFKA_COMMIT_INTERVAL_MS is 0 › commits as soon as the previous commit returned', () => {
      expect(loadConfig({ ...REQUIRED, KAFKA_COMMIT_INTERVAL_MS: '0' }).kafka.commitIntervalMs).toBe(0);
    });

    it('when EMAIL_WORKER_BUFFER equals EMAIL_WORKER_COUNT › accepts it', () => {
      expect(loadConfig({ ...REQUIRED, EMAIL_WORKER_COUNT: '10', EMAIL_WORKER_BUFFER: '10' }).email.workerBuffer).toBe(10);
    });

    it('when SMTP_USER is set without SMTP_PASS › names SMTP_USER', () => {
      expect(problemsFor({ ...REQUIRED, SMTP_USER: 'mailer' })).toEqual([expect.stringMatching(/^SMTP_USER: /)]);
    });

    it('when KAFKA_SASL_MECHANISM is set without credentials › names KAFKA_SASL_USERNAME', () => {
      expect(problemsFor({ ...REQUIRED, KAFKA_SASL_MECHANISM: 'plain' })).toEqual([expect.stringMatching(/^KAFKA_SASL_USERNAME: /)]);
    });

    describe('the idempotency lease and its renewal (a crash held its in-flight mail for the whole 120 s lease)', () => {
      const LEDGER = { ...REQUIRED, IDEMPOTENCY_REDIS_URL: 'redis://redis:6379' };

      it('by default › a lease of seconds, renewed five times per lease', () => {
        expect(loadConfig(LEDGER).idempotency).toMatchObject({ leaseMs: 10_000, leaseRenewMs: 2_000 });
      });

      it('when the lease is shorter than SMTP_SEND_TIMEOUT_MS › accepts it (the lease is renewed while the send is in flight)', () => {
        expect(loadConfig({ ...LEDGER, IDEMPOTENCY_LEASE_MS: '6000', SMTP_SEND_TIMEOUT_MS: '60000' }).idempotency.leaseMs).toBe(6_000);
      });

      it('when the renewal is slower than a third of the lease › one line naming IDEMPOTENCY_LEASE_RENEW_MS and the lease', () => {
        expect(problemsFor({ ...LEDGER, IDEMPOTENCY_LEASE_MS: '6000', IDEMPOTENCY_LEASE_RENEW_MS: '2001' })).toEqual([
          'IDEMPOTENCY_LEASE_RENEW_MS: must be at most a third of IDEMPOTENCY_LEASE_MS (6000), so one failed renewal does not lose the claim; got 2001',
        ]);
        expect(loadConfig({ ...LEDGER, IDEMPOTENCY_LEASE_MS: '6000', IDEMPOTENCY_LEASE_RENEW_MS: '2000' }).idempotency.leaseRenewMs).toBe(2_000);
      });
    });

    it('when SMTP_SEND_TIMEOUT_MS is shorter than SMTP_TIMEOUT_MS › one line naming both', () => {
      expect(problemsFor({ ...REQUIRED, SMTP_TIMEOUT_MS: '30000', SMTP_SEND_TIMEOUT_MS: '29999' })).toEqual([
        'SMTP_SEND_TIMEOUT_MS: must be >= SMTP_TIMEOUT_MS (30000), got 29999',
      ]);
    });

    it('when SMTP_SEND_TIMEOUT_MS equals SMTP_TIMEOUT_MS › accepts it', () => {
      expect(loadConfig({ ...REQUIRED, SMTP_TIMEOUT_MS: '30000', SMTP_SEND_TIMEOUT_MS: '30000' }).smtp.sendTimeoutMs).toBe(30_000);
    });
  });

  describe('files', () => {
    it('when SMTP_PASS_FILE names a file › reads it and trims the trailing newline, and keeps the path for re-reads', () => {
      const file = secretFile('smtp-pass', `${SECRET}\n`);
      const config = loadConfig({ ...REQUIRED, SMTP_USER: 'mailer', SMTP_PASS_FILE: file });
      expect(config.smtp.pass).toBe(SECRET);
      expect(config.smtp.passFile).toBe(file);
    });

    it("when SMTP_FALLBACK_PASS_FILE names a file › reads it and keeps the path, so the fallback's password rotates like SMTP_PASS_FILE", () => {
      const file = secretFile('smtp-fallback-pass', `${SECRET}\n`);
      const config = loadConfig({ ...REQUIRED, SMTP_FALLBACK_HOST: 'relay-b', SMTP_FALLBACK_USER: 'mailer', SMTP_FALLBACK_PASS_FILE: file });
      expect(config.smtpFallback.pass).toBe(SECRET);
      expect(config.smtpFallback.passFile).toBe(file);
    });

    it('when the file ends in CRLF › trims that too', () => {
      const config = loadConfig({
        ...REQUIRED,
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'svc',
        KAFKA_SASL_PASSWORD_FILE: secretFile('sasl', `${SECRET}\r\n`),
      });
      expect(config.kafka.saslPassword).toBe(SECRET);
    });

    it('when SMTP_PASS and SMTP_PASS_FILE are both set › reports that, without either value', () => {
      const problems = problemsFor({ ...REQUIRED, SMTP_USER: 'mailer', SMTP_PASS: SECRET, SMTP_PASS_FILE: secretFile('both', 'other-secret\n') });
      expect(problems).toEqual([expect.stringMatching(/^SMTP_PASS: .*not both/)]);
      expect(problems.join('\n')).not.toContain(SECRET);
      expect(problems.join('\n')).not.toContain('other-secret');
    });

    it('when KAFKA_SSL_CA_FILE names a PEM certificate › accepts it (more on the TLS files in config-files.test.ts)', async () => {
      const { cert } = await createCertificateAuthority(join(tmp, 'ca'), 'config-test-ca');
      expect(loadConfig({ ...REQUIRED, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: cert }).kafka.sslCaFile).toBe(cert);
    });

    it('when SMTP_PASS_FILE cannot be read › names SMTP_PASS_FILE and the reason', () => {
      expect(problemsFor({ ...REQUIRED, SMTP_USER: 'mailer', SMTP_PASS_FILE: join(tmp, 'missing') })).toEqual([
        expect.stringMatching(/^SMTP_PASS_FILE: cannot read .*\(ENOENT\)$/),
      ]);
    });
  });

  describe('when secrets are set alongside bad values', () => {
    const secrets = { SMTP_USER: 'mailer', SMTP_PASS: SECRET, KAFKA_SASL_PASSWORD: `${SECRET}-sasl`, IDEMPOTENCY_REDIS_URL: `redis://:${SECRET}@redis:6379` };

    it('never shows a secret in any problem line or in the message', () => {
      const env = { ...REQUIRED, ...secrets, EMAIL_WORKER_COUNT: 'abc', SMTP_PORT: '99999', KAFKA_BROKERS: 'nope', LOG_LEVEL: 'loud', SMTP_SECURE: 'ture' };
      let error: unknown;
      try {
        loadConfig(env);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const { problems, message } = error as ConfigError;
      expect(problems).toHaveLength(5);
      for (const line of problems) expect(line).not.toContain(SECRET);
      expect(message).not.toContain(SECRET);
    });

    it('a value that looks like another problem line cannot make it echo a secret', () => {
      const problems = problemsFor({ ...REQUIRED, ...secrets, KAFKA_BROKERS: 'kafka-0:9092\nSMTP_PASS: x', EMAIL_FROM: 'a@b.test\nsmtp.pass: y' });
      expect(problems.map((line) => line.split(':')[0]).sort()).toEqual(['EMAIL_FROM', 'KAFKA_BROKERS']);
      for (const line of problems) {
        expect(line).not.toContain(SECRET);
        expect(line).not.toContain('\n');
      }
    });
  });

  describe('the returned config', () => {
    const config = loadConfig({ ...REQUIRED, KAFKA_BROKERS: 'kafka-0:9092,kafka-1:9092' });

    it('is frozen all the way down', () => {
      expect(Object.isFrozen(config)).toBe(true);
      for (const section of [config.kafka, config.smtp, config.email, config.idempotency, config.http]) expect(Object.isFrozen(section)).toBe(true);
      expect(Object.isFrozen(config.kafka.brokers)).toBe(true);
      expect(Object.isFrozen(config.email.retryDelaysMs)).toBe(true);
    });

    it('refuses writes', () => {
      expect(() => {
        (config.email as { workerCount: number }).workerCount = 1;
      }).toThrow(TypeError);
      expect(() => (config.kafka.brokers as string[]).push('evil:9092')).toThrow(TypeError);
      expect(config.email.workerCount).toBe(10);
      expect(config.kafka.brokers).toEqual(['kafka-0:9092', 'kafka-1:9092']);
    });

    it('is a fresh object on each call', () => {
      expect(loadConfig(REQUIRED)).not.toBe(loadConfig(REQUIRED));
    });
  });
});

describe('fromDomain', () => {
  it.each([
    ['Acme <welcome@acme.test>', 'acme.test'],
    ['welcome@mail.acme.test', 'mail.acme.test'],
    ['"Acme Team" <Welcome@ACME.Test>', 'acme.test'],
  ])('%s › %s', (from, domain) => {
    expect(fromDomain(from)).toBe(domain);
  });

  it.each(['', 'acme', 'welcome@localhost', '<welcome@acme.test'])('when EMAIL_FROM is %j › throws', (from) => {
    expect(() => fromDomain(from)).toThrow(/EMAIL_FROM/);
  });
});

describe('EMAIL_RATE_LIMIT_SCOPE', () => {
  it("cluster needs a budget and a Redis to share it through (REDIS_URL, or the ledger's)", () => {
    expect(problemsFor({ ...REQUIRED, EMAIL_RATE_LIMIT_SCOPE: 'cluster', REDIS_URL: 'redis://r:6379' })).toEqual([
      expect.stringMatching(/^EMAIL_RATE_LIMIT_SCOPE: cluster needs EMAIL_RATE_LIMIT_PER_SECOND/),
    ]);
    expect(problemsFor({ ...REQUIRED, EMAIL_RATE_LIMIT_SCOPE: 'cluster', EMAIL_RATE_LIMIT_PER_SECOND: '14' })).toEqual([
      expect.stringMatching(/^EMAIL_RATE_LIMIT_SCOPE: cluster needs REDIS_URL/),
    ]);
    expect(
      loadConfig({ ...REQUIRED, EMAIL_RATE_LIMIT_SCOPE: 'cluster', EMAIL_RATE_LIMIT_PER_SECOND: '14', IDEMPOTENCY_REDIS_URL: 'redis://r:6379' }).email,
    ).toMatchObject({ rateLimitScope: 'cluster', rateLimitPerSecond: 14 });
    expect(problemsFor({ ...REQUIRED, EMAIL_RATE_LIMIT_SCOPE: 'global' })).toEqual([
      expect.stringMatching(/^EMAIL_RATE_LIMIT_SCOPE: expected one of "pod", "cluster"/),
    ]);
  });
});

describe('DKIM_*', () => {
  it('all three or none, naming what is missing', () => {
    expect(problemsFor({ ...REQUIRED, DKIM_DOMAIN: 'acme.test' })).toEqual([
      expect.stringMatching(/^DKIM_SELECTOR: DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE must be set together/),
    ]);
    expect(loadConfig(REQUIRED).dkim).toEqual({ domain: '', selector: '', privateKeyFile: '' });
  });
});

describe('KAFKA_RECEIPTS_TOPIC', () => {
  it('is off by default and must name a topic of its own', () => {
    expect(loadConfig(REQUIRED).kafka.receiptsTopic).toBe('');
    expect(loadConfig({ ...REQUIRED, KAFKA_RECEIPTS_TOPIC: 'email-receipts' }).kafka.receiptsTopic).toBe('email-receipts');
    expect(problemsFor({ ...REQUIRED, KAFKA_RECEIPTS_TOPIC: 'user-signups.dlq' })).toEqual([expect.stringMatching(/^KAFKA_RECEIPTS_TOPIC: must differ/)]);
  });
});

describe('unknownServiceVariables', () => {
  it('names set variables with a service prefix that the schema does not read, and nothing else', () => {
    const env = {
      ...REQUIRED,
      EMAIL_WORKERS: '50',
      SMTP_PASSWORD: 'x',
      KAFKA_BROKER: 'k:9092',
      IDEMPOTENCY_URL: 'redis://r',
      SMTP_PASS_FILE: '/s',
      SMTP_SINK_PORT: '2525',
      HOME: '/root',
      LOCAL_KAFKA_PORT: '1',
    };
    expect(unknownServiceVariables(env)).toEqual(['EMAIL_WORKERS', 'IDEMPOTENCY_URL', 'KAFKA_BROKER', 'SMTP_PASSWORD']);
  });

  it('finds none in the shipped .env', () => {
    const dotenv = Object.fromEntries(
      readFileSync(new URL('../../../../.env', import.meta.url), 'utf8')
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(Object.keys(dotenv).length).toBeGreaterThan(5);
    expect(unknownServiceVariables(dotenv)).toEqual([]);
  });
});

describe('configEnvNames', () => {
  const names = configEnvNames();

  it('lists every variable the service reads, and the _FILE twins of secrets', () => {
    expect([...names].sort()).toEqual(
      [
        'KAFKA_BROKERS',
        'KAFKA_CLIENT_ID',
        'KAFKA_GROUP_ID',
        'KAFKA_TOPIC',
        'KAFKA_DLQ_TOPIC',
        'KAFKA_RECEIPTS_TOPIC',
        'KAFKA_FROM_BEGINNING',
        'KAFKA_SESSION_TIMEOUT_MS',
        'KAFKA_HEARTBEAT_INTERVAL_MS',
        'KAFKA_METADATA_MAX_AGE_MS',
        'KAFKA_COMMIT_INTERVAL_MS',
        'KAFKA_MAX_AHEAD_PER_PARTITION',
        'KAFKA_MAX_UNCOMMITTED',
        'DLQ_PUBLISH_STALL_MS',
        'RECEIPT_PUBLISH_STALL_MS',
        'KAFKA_SSL',
        'KAFKA_SSL_CA_FILE',
        'KAFKA_SSL_CERT_FILE',
        'KAFKA_SSL_KEY_FILE',
        'SMTP_TLS_CA_FILE',
        'KAFKA_SSL_REJECT_UNAUTHORIZED',
        'KAFKA_SASL_MECHANISM',
        'KAFKA_SASL_USERNAME',
        'KAFKA_SASL_PASSWORD',
        'SMTP_HOST',
        'SMTP_PORT',
        'SMTP_SECURE',
        'SMTP_REQUIRE_TLS',
        'SMTP_TLS_REJECT_UNAUTHORIZED',
        'SMTP_USER',
        'SMTP_PASS',
        'SMTP_TIMEOUT_MS',
        'SMTP_SEND_TIMEOUT_MS',
        'SMTP_BREAKER_THRESHOLD',
        'SMTP_BREAKER_PROBE_INTERVAL_MS',
        'EMAIL_FROM',
        'EMAIL_ENVELOPE_FROM',
        'EMAIL_WORKER_COUNT',
        'EMAIL_WORKER_BUFFER',
        'EMAIL_MAX_RETRIES',
        'EMAIL_RETRY_DELAYS_MS',
        'EMAIL_RATE_LIMIT_PER_SECOND',
        'EMAIL_RATE_LIMIT_SCOPE',
        'EMAIL_RATE_LIMIT_MAX_REPLICAS',
        'REDIS_URL',
        'EMAIL_TEMPLATES_DIR',
        'EMAIL_UNMAPPED_EVENT_TYPES',
        'EMAIL_DEFAULT_LOCALE',
        'IDEMPOTENCY_REDIS_URL',
        'IDEMPOTENCY_TTL_SECONDS',
        'IDEMPOTENCY_LEASE_MS',
        'IDEMPOTENCY_LEASE_RENEW_MS',
        'IDEMPOTENCY_STRICT',
        'HTTP_PORT',
        'SHUTDOWN_TIMEOUT_MS',
        'LIVENESS_STALL_MS',
        'LOG_LEVEL',
        'SMTP_PASS_FILE',
        'KAFKA_SASL_PASSWORD_FILE',
        'IDEMPOTENCY_REDIS_URL_FILE',
        'REDIS_URL_FILE',
        'DKIM_DOMAIN',
        'DKIM_SELECTOR',
        'DKIM_PRIVATE_KEY_FILE',
        'SMTP_FALLBACK_HOST',
        'SMTP_FALLBACK_PORT',
        'SMTP_FALLBACK_SECURE',
        'SMTP_FALLBACK_USER',
        'SMTP_FALLBACK_PASS',
        'SMTP_FALLBACK_PASS_FILE',
      ].sort(),
    );
  });

  it('includes the required variables', () => {
    for (const name of REQUIRED_ENV) expect(names).toContain(name);
  });

  it('lists each name once', () => {
    expect(new Set(names).size).toBe(names.length);
  });

  const secretNames = new Set(['SMTP_PASS', 'KAFKA_SASL_PASSWORD', 'IDEMPOTENCY_REDIS_URL', 'REDIS_URL', 'SMTP_FALLBACK_PASS']);
  it.each(names.filter((name) => !name.endsWith('_FILE') && !secretNames.has(name)))('%s is really read: a broken value is reported under its name', (name) => {
    expect(problemsFor({ ...REQUIRED, [name]: 'x\ny' })).toEqual([`${name}: must not contain line breaks`]);
  });

  it.each(names.filter((name) => name.endsWith('_FILE')))('%s is really read: an unreadable file is reported under its name', (name) => {
    expect(problemsFor({ ...REQUIRED, [name]: join(tmp, 'does-not-exist') })).toEqual([expect.stringMatching(new RegExp(`^${name}: cannot read`))]);
  });
});

describe('cmd/service.ts', () => {
  const root = fileURLToPath(new URL('../../../../', import.meta.url));

  it('when the configuration is bad › exits 2 with one line per bad variable and no stack trace', async () => {
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      EMAIL_WORKER_COUNT: 'abc',
      SMTP_PASS: SECRET,
      SMTP_USER: 'mailer',
    };
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', 'cmd/service.ts'], { cwd: root, env, timeout: 60_000 }, (_err, out, err) =>
        resolve({ code: child.exitCode, stdout: String(out), stderr: String(err) }),
      );
    });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('email-dispatcher: invalid configuration');
    expect(
      lines
        .slice(1)
        .map((line) => line.trim().split(':')[0])
        .sort(),
    ).toEqual(['EMAIL_FROM', 'EMAIL_WORKER_COUNT', 'KAFKA_BROKERS', 'SMTP_HOST']);
    expect(stderr).not.toContain('    at ');
    expect(stderr).not.toContain(SECRET);
  }, 60_000);
});
