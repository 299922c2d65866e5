import { describe, expect, it } from 'vitest';

import {
  ConfigError,
  FatalStartupError,
  LedgerUnavailableError,
  REDRIVE_ERROR_CODES,
  RedriveError,
  RedriveUsageError,
  SendTimeoutError,
  SERVICE_ERROR_CODES,
  ServiceError,
  SmtpUtf8UnsupportedError,
} from '../../../src/platform/service-error.js';

const cause = new Error('underneath');

describe('the service errors share one shape', () => {
  it.each<[ServiceError, string, boolean]>([
    [new ConfigError(['X: bad']), 'ERR_CONFIG', false],
    [new FatalStartupError('credentials refused', { cause }), 'ERR_FATAL_STARTUP', false],
    [new LedgerUnavailableError({ cause }), 'ERR_LEDGER_UNAVAILABLE', true],
    [new SendTimeoutError(60_000), 'ESENDTIMEOUT', true],
    [new SmtpUtf8UnsupportedError(), 'ESMTPUTF8', false],
    [new RedriveUsageError('--limit: bad'), 'ERR_REDRIVE_USAGE', false],
    [new RedriveError(REDRIVE_ERROR_CODES.groupMismatch, 'other selection'), 'ERR_REDRIVE_GROUP_MISMATCH', false],
    [new RedriveError(REDRIVE_ERROR_CODES.publishTimeout, 'no ack', { cause }), 'ERR_REDRIVE_PUBLISH_TIMEOUT', true],
  ])('%s: code %s, retryable %s, named after its class', (err, code, retryable) => {
    expect(err).toBeInstanceOf(ServiceError);
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err.name).toBe(err.constructor.name);
  });

  it('keeps the cause', () => {
    expect(new LedgerUnavailableError({ cause }).cause).toBe(cause);
  });

  it('every redrive code is a known service code', () => {
    for (const code of Object.values(REDRIVE_ERROR_CODES)) expect(SERVICE_ERROR_CODES).toHaveProperty(code);
  });
});
