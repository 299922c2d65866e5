/**
 * A real Prometheus (Debian's `prometheus` package, as in test/integration/operability.test.ts)
 * scraping the local replicas every second with the repository's rules loaded.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { stringify } from 'yaml';

import { startDaemon } from './daemon.js';

export const PROMETHEUS_BINARY = '/usr/bin/prometheus';

export interface ScrapeTarget {
  /** host:port of /metrics */
  readonly address: string;
  /** Target labels, e.g. `{ namespace: 'local', pod: 'email-dispatcher-a' }` as a PodMonitor sets them. */
  readonly labels: Readonly<Record<string, string>>;
}

export interface PrometheusConfigOptions {
  readonly scrapeIntervalSeconds: number;
  readonly ruleFiles: readonly string[];
  readonly targets: readonly ScrapeTarget[];
}

/** prometheus.yml: one `email-dispatcher` job (the job label the rules and the dashboard select). */
export function prometheusConfig({ scrapeIntervalSeconds, ruleFiles, targets }: PrometheusConfigOptions): string {
  const interval = `${scrapeIntervalSeconds}s`;
  return stringify({
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    rule_files: [...ruleFiles],
    scrape_configs: [{ job_name: 'email-dispatcher', static_configs: targets.map((t) => ({ targets: [t.address], labels: { ...t.labels } })) }],
  });
}

export interface LocalPrometheus {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts Prometheus with a fresh TSDB in `dir` and waits for /-/ready. */
export async function startPrometheus({
  dir,
  port,
  config,
  signal,
}: {
  dir: string;
  port: number;
  config: string;
  signal?: AbortSignal;
}): Promise<LocalPrometheus> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, 'prometheus.yml');
  writeFileSync(configFile, config);
  const url = `http://127.0.0.1:${port}`;
  const daemon = await startDaemon({
    command: PROMETHEUS_BINARY,
    args: [`--config.file=${configFile}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    logFile: path.join(dir, 'prometheus.log'),
    what: 'Prometheus',
    ready: async () => (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) })).ok,
    signal,
  });
  return { url, stop: () => daemon.stop() };
}
