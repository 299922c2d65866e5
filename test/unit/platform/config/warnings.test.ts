import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../../../src/platform/config/config.js';
import { kafkaSecurityWarnings, securityWarnings } from '../../../../src/platform/config/warnings.js';
import { ServiceError } from '../../../../src/platform/service-error.js';
import { explainsItself } from '../../../../src/platform/startup-failure.js';
import { tlsRefusal } from '../../../../src/platform/tls-errors.js';
import { REQUIRED } from './fixtures.js';
const variables = (env: Record<string, string>) => securityWarnings(loadConfig({ ...REQUIRED, ...env })).map((w) => w.variable);

describe('securityWarnings', () => {
  it('a local plaintext stack without credentials › none', () => {
    expect(variables({})).toEqual([]);
  });

  it('TLS with credentials, verified › none', () => {
    expect(
      variables({
        KAFKA_SSL: 'true',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
        SMTP_USER: 'u',
        SMTP_PASS: 'p',
        SMTP_REQUIRE_TLS: 'true',
      }),
    ).toEqual([]);
  });

  it('SMTP_TLS_REJECT_UNAUTHORIZED=false › warns, naming it', () => {
    const [warning] = securityWarnings(loadConfig({ ...REQUIRED, SMTP_TLS_REJECT_UNAUTHORIZED: 'false' }));
    expect(warning).toEqual({
      variable: 'SMTP_TLS_REJECT_UNAUTHORIZED',
      message: expect.stringMatching(/^SMTP_TLS_REJECT_UNAUTHORIZED=false: the SMTP server certificate is not verified/),
    });
  });

  it('each weakened setting › one warning naming the variable to change', () => {
    expect(variables({ KAFKA_SSL: 'true', KAFKA_SSL_REJECT_UNAUTHORIZED: 'false', SMTP_USER: 'u', SMTP_PASS: 'p' })).toEqual([
      'KAFKA_SSL_REJECT_UNAUTHORIZED',
      'SMTP_REQUIRE_TLS',
    ]);
    expect(variables({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toEqual(['KAFKA_SSL']);
  });

  it('the redrive CLI’s part › only Kafka’s', () => {
    const config = loadConfig({ ...REQUIRED, SMTP_TLS_REJECT_UNAUTHORIZED: 'false', KAFKA_SSL: 'true', KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' });
    expect(kafkaSecurityWarnings(config).map((w) => w.variable)).toEqual(['KAFKA_SSL_REJECT_UNAUTHORIZED']);
  });

  it('never quotes a secret', () => {
    const warnings = securityWarnings(
      loadConfig({
        ...REQUIRED,
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'hunter2',
        SMTP_USER: 'u',
        SMTP_PASS: 'hunter2',
      }),
    );
    expect(JSON.stringify(warnings)).not.toContain('hunter2');
  });
});

describe('tlsRefusal', () => {
  it.each([
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'server-certificate'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'server-certificate'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'server-certificate'],
    ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'client-certificate'],
    ['ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE', 'client-certificate'],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'client-certificate'],
    ['ECONNREFUSED', undefined],
    ['ECONNRESET', undefined],
    [undefined, undefined],
  ])('%s › %s', (code, verdict) => {
    expect(tlsRefusal(code)).toBe(verdict);
  });
});

describe('explainsItself', () => {
  it('our errors that a retry cannot fix, and a broker refusing the SASL credentials › logged as their message alone', () => {
    expect(explainsItself(new ServiceError('ERR_FATAL_STARTUP', 'certificate'))).toBe(true);
    expect(explainsItself(Object.assign(new Error('SASL SCRAM SHA512 authentication failed'), { name: 'KafkaJSSASLAuthenticationError' }))).toBe(true);
  });

  it('brokers that did not answer the start-up topic check › logged as the message naming the bound', () => {
    expect(explainsItself(new ServiceError('ERR_KAFKA_UNREACHABLE', 'Kafka did not answer the start-up topic check within 30000 ms'))).toBe(true);
  });

  it('anything else › keeps its stack', () => {
    expect(explainsItself(new ServiceError('ERR_LEDGER_UNAVAILABLE', 'redis'))).toBe(false);
    expect(explainsItself(new TypeError('bug'))).toBe(false);
    expect(explainsItself('text')).toBe(false);
  });
});
