import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import type { IssuedCertificate } from '../../../../dev/kafka/certificates.js';
import { loadConfig } from '../../../../src/platform/config/config.js';
import { kafkaClientConfig, kafkaTlsOptions } from '../../../../src/platform/kafka/client-config.js';
import { createLogger } from '../../../../src/platform/logger.js';
import { clientCertificates, REQUIRED, scratchDir } from '../config/fixtures.js';

const tmp = scratchDir('kafka-client-config');
let ca: string;
let client: IssuedCertificate;
beforeAll(async () => {
  ({ ca, client } = await clientCertificates(tmp));
});

function logged() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } }) };
}

describe('kafkaTlsOptions', () => {
  it('without KAFKA_SSL › plaintext (false)', () => {
    expect(kafkaTlsOptions(loadConfig(REQUIRED))).toBe(false);
  });

  it('with mutual TLS › the CA, the client certificate and its key, and verification on', () => {
    const config = loadConfig({ ...REQUIRED, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: ca, KAFKA_SSL_CERT_FILE: client.cert, KAFKA_SSL_KEY_FILE: client.key });
    const tls = kafkaTlsOptions(config);
    expect(tls).toMatchObject({
      rejectUnauthorized: true,
      ca: [expect.stringContaining('BEGIN CERTIFICATE')],
      cert: expect.stringContaining('BEGIN CERTIFICATE'),
      key: expect.stringContaining('PRIVATE KEY'),
    });
  });
});

describe('kafkaClientConfig › SASL', () => {
  it('with KAFKA_SASL_PASSWORD_FILE › every authentication reads the file as it is then, and the password is never serialized', () => {
    const file = join(tmp, 'sasl-password');
    writeFileSync(file, 'first-S4SL-value\n');
    const { logger, lines } = logged();
    const config = loadConfig({
      ...REQUIRED,
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD_FILE: file,
    });
    const { sasl } = kafkaClientConfig(config, logger);
    expect(sasl).toMatchObject({ mechanism: 'scram-sha-512', username: 'svc' });
    expect((sasl as { password: string }).password).toBe('first-S4SL-value');
    writeFileSync(file, 'second-S4SL-value\n');
    expect((sasl as { password: string }).password).toBe('second-S4SL-value');
    expect(JSON.stringify(sasl)).not.toContain('S4SL-value');
    expect(lines.map((line) => JSON.parse(line) as object)).toEqual([
      expect.objectContaining({ variable: 'KAFKA_SASL_PASSWORD_FILE', msg: 'secret file changed; new connections use the new value' }),
    ]);
    expect(lines.join('')).not.toContain('S4SL-value');
  });

  it('with KAFKA_SASL_PASSWORD › that fixed password', () => {
    const config = loadConfig({ ...REQUIRED, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 'env-pass' });
    expect((kafkaClientConfig(config, logged().logger).sasl as { password: string }).password).toBe('env-pass');
  });
});
