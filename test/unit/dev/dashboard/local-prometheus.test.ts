import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { prometheusConfig } from '../../../../dev/dashboard/local-prometheus.js';
import { ROOT } from '../../../support/deploy/repo-files.js';

const config = prometheusConfig({
  scrapeIntervalSeconds: 1,
  ruleFiles: [`${ROOT}deploy/prometheus/rules/email-dispatcher.yml`],
  targets: [
    { address: '127.0.0.1:9464', labels: { namespace: 'local', pod: 'email-dispatcher-a' } },
    { address: '127.0.0.1:9465', labels: { namespace: 'local', pod: 'email-dispatcher-b' } },
  ],
});
const promtool = spawnSync('promtool', ['--version']).error ? undefined : 'promtool';

describe('prometheusConfig', () => {
  it('scrapes each replica under job email-dispatcher with its pod and namespace labels, every second', () => {
    expect(parse(config)).toMatchObject({
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      scrape_configs: [
        {
          job_name: 'email-dispatcher',
          static_configs: [{ targets: ['127.0.0.1:9464'], labels: { pod: 'email-dispatcher-a', namespace: 'local' } }, { targets: ['127.0.0.1:9465'] }],
        },
      ],
    });
  });

  it.skipIf(promtool === undefined)('is a configuration Prometheus accepts, rules included (promtool check config)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dashboard-prom-'));
    try {
      writeFileSync(path.join(dir, 'prometheus.yml'), config);
      const check = spawnSync('promtool', ['check', 'config', path.join(dir, 'prometheus.yml')], { encoding: 'utf8' });
      expect(check.status, check.stdout + check.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
