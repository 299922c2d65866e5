import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { beforeAll, describe, expect, it } from 'vitest';

import type { IssuedCertificate } from '../../../../dev/kafka/certificates.js';
import { checkTlsFiles, loadConfig } from '../../../../src/platform/config/config.js';
import { tlsFileProblems } from '../../../../src/platform/config/files.js';
import { ConfigError } from '../../../../src/platform/service-error.js';
import { clientCertificates, problemsFor, REQUIRED, scratchDir } from './fixtures.js';

const tmp = scratchDir('config-files');

let ca: string;
let client: IssuedCertificate;
let other: IssuedCertificate;
let encryptedKey: string;

beforeAll(async () => {
  ({ ca, client, other } = await clientCertificates(tmp));
  encryptedKey = join(tmp, 'encrypted.key');
  execFileSync('openssl', ['pkey', '-in', client.key, '-aes256', '-passout', 'pass:unit-pass', '-out', encryptedKey]);
});

/** What checkTlsFiles (run by the entry points after loadConfig) reports for a configuration loadConfig accepted. */
function tlsProblemsFor(env: Record<string, string>): readonly string[] {
  const config = loadConfig({ ...REQUIRED, ...env });
  try {
    checkTlsFiles(config);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}

describe('the TLS files', () => {
  it('mutual TLS › accepts a CA, a client certificate and its key (the key readable by its owner only)', () => {
    const env = { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: ca, KAFKA_SSL_CERT_FILE: client.cert, KAFKA_SSL_KEY_FILE: client.key };
    expect(loadConfig({ ...REQUIRED, ...env }).kafka).toMatchObject({ sslCaFile: ca, sslCertFile: client.cert, sslKeyFile: client.key });
    expect(tlsProblemsFor(env)).toEqual([]);
  });

  it('SMTP_TLS_CA_FILE › accepts a PEM bundle', () => {
    expect(loadConfig({ ...REQUIRED, SMTP_TLS_CA_FILE: ca }).smtp.tlsCaFile).toBe(ca);
    expect(tlsProblemsFor({ SMTP_TLS_CA_FILE: ca })).toEqual([]);
  });

  it.each(['KAFKA_SSL_CA_FILE', 'SMTP_TLS_CA_FILE'])('when %s holds no certificate › one line naming it and the file', (name) => {
    const path = join(tmp, 'not-a-ca.pem');
    writeFileSync(path, 'hello\n');
    expect(tlsProblemsFor({ KAFKA_SSL: 'true', [name]: path })).toEqual([
      `${name}: ${JSON.stringify(path)} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    ]);
  });

  it('when the key belongs to another certificate › names KAFKA_SSL_KEY_FILE', () => {
    expect(tlsProblemsFor({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: client.cert, KAFKA_SSL_KEY_FILE: other.key })).toEqual([
      `KAFKA_SSL_KEY_FILE: the key in ${JSON.stringify(other.key)} does not belong to the certificate in KAFKA_SSL_CERT_FILE`,
    ]);
  });

  it('when the key is encrypted › says so, and how to mount it instead', () => {
    expect(tlsProblemsFor({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: client.cert, KAFKA_SSL_KEY_FILE: encryptedKey })).toEqual([
      expect.stringMatching(/^KAFKA_SSL_KEY_FILE: the key in .* is encrypted; mount it unencrypted/),
    ]);
  });

  it('when the two files are swapped › one line for each, neither quoting the content', () => {
    const problems = tlsProblemsFor({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: client.key, KAFKA_SSL_KEY_FILE: client.cert });
    expect(problems.map((line) => line.split(':')[0])).toEqual(['KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE']);
    for (const line of [...readFileSync(client.key, 'utf8').split('\n'), ...readFileSync(client.cert, 'utf8').split('\n')].filter((l) => l.length > 40)) {
      expect(problems.join('\n')).not.toContain(line);
    }
  });

  it('when the client certificate has expired › names KAFKA_SSL_CERT_FILE and the date', () => {
    const config = loadConfig({ ...REQUIRED, KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: client.cert, KAFKA_SSL_KEY_FILE: client.key });
    const inTwoDays = new Date(Date.now() + 2 * 86_400_000);
    expect(tlsFileProblems(config, inTwoDays)).toEqual([expect.stringMatching(/^KAFKA_SSL_CERT_FILE: the certificate in .* expired on \d{4}-\d\d-\d\dT/)]);
  });

  it('when a file cannot be read › loadConfig names it (the same for each TLS variable: config.test.ts)', () => {
    expect(problemsFor({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: client.cert, KAFKA_SSL_KEY_FILE: tmp })).toEqual([
      `KAFKA_SSL_KEY_FILE: cannot read ${JSON.stringify(tmp)} (EISDIR)`,
    ]);
  });

  it('when only the certificate is set › names the missing KAFKA_SSL_KEY_FILE', () => {
    expect(problemsFor({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: client.cert })).toEqual([
      'KAFKA_SSL_KEY_FILE: KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE must be set together',
    ]);
  });

  it('when TLS files are set but KAFKA_SSL is not › refuses, instead of silently connecting in plaintext', () => {
    expect(problemsFor({ KAFKA_SSL_CA_FILE: ca, KAFKA_SSL_CERT_FILE: client.cert, KAFKA_SSL_KEY_FILE: client.key })).toEqual([
      'KAFKA_SSL: KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE are set, so KAFKA_SSL must be true',
    ]);
  });

  it('cmd/service.ts › a key of another certificate is a configuration error: exit 2, one line naming it', async () => {
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      ...REQUIRED,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CERT_FILE: client.cert,
      KAFKA_SSL_KEY_FILE: other.key,
    };
    const root = fileURLToPath(new URL('../../../../', import.meta.url));
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', 'cmd/service.ts'], { cwd: root, env, timeout: 60_000 }, (_err, _out, err) =>
        resolve({ code: child.exitCode, stderr: String(err) }),
      );
    });
    expect(code).toBe(2);
    expect(stderr.trimEnd().split('\n')).toEqual([
      'email-dispatcher: invalid configuration',
      `  KAFKA_SSL_KEY_FILE: the key in ${JSON.stringify(other.key)} does not belong to the certificate in KAFKA_SSL_CERT_FILE`,
    ]);
  }, 60_000);
});
