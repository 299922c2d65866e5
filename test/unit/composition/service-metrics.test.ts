import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { serviceMetrics } from '../../../src/composition/service-metrics.js';
import { loadConfig } from '../../../src/platform/config/config.js';

const REQUIRED = { KAFKA_BROKERS: 'kafka-0:9092', SMTP_HOST: 'smtp.acme.test', EMAIL_FROM: 'Acme <welcome@acme.test>' };

async function rateLimitSeries(env: Record<string, string>) {
  const metrics = serviceMetrics(loadConfig({ ...REQUIRED, ...env }), new Registry());
  return (await metrics.sendRateLimit.get()).values.map(({ labels, value }) => ({ labels, value }));
}

describe('serviceMetrics › the send-rate limit the dashboard divides by', () => {
  it('when the rate is shared by the cluster › exports it with scope="cluster"', async () => {
    expect(await rateLimitSeries({ EMAIL_RATE_LIMIT_PER_SECOND: '100', EMAIL_RATE_LIMIT_SCOPE: 'cluster', REDIS_URL: 'redis://redis:6379' })).toEqual([
      { labels: { scope: 'cluster' }, value: 100 },
    ]);
  });

  it('when each pod has its own rate › exports it with scope="pod"', async () => {
    expect(await rateLimitSeries({ EMAIL_RATE_LIMIT_PER_SECOND: '25' })).toEqual([{ labels: { scope: 'pod' }, value: 25 }]);
  });

  it('when there is no limit › exports no series (a budget of nothing used is not 0 %)', async () => {
    expect(await rateLimitSeries({})).toEqual([]);
  });
});
