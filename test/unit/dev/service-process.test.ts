import { describe, expect, it } from 'vitest';

import { serviceEnvFrom } from '../../../dev/service-process.js';

describe('serviceEnvFrom', () => {
  it('hands the spawned service the service variables that are set, and nothing else', () => {
    const env = {
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SSL: 'true',
      EMAIL_RETRY_DELAYS_MS: '100',
      SMTP_PASS_FILE: '/run/secret',
      HOME: '/root',
      AWS_SECRET: 'x',
    };
    expect(serviceEnvFrom(env)).toEqual({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SSL: 'true', EMAIL_RETRY_DELAYS_MS: '100', SMTP_PASS_FILE: '/run/secret' });
  });
});
