/**
 * npm run docs:dashboard   (about 4 minutes; Java 17+, Debian's prometheus and redis-server)
 *
 * Draws docs/images/dashboard.svg and dashboard.png from real data. It runs the service as two
 * replicas against a local Kafka broker (ports 35092/35093, state in .local/kafka-dashboard; reused
 * if already running there), two SMTP sinks (primary and fallback relay), a Redis for the sent ledger
 * and the cluster send rate, and a receipts topic, while a real Prometheus scrapes them every second
 * with deploy/prometheus/rules/email-dispatcher.yml loaded. A steady load runs through the faults of
 * dev/dashboard/scenario.ts (4xx burst, Redis outage, primary relay down, both relays down); then each
 * panel's PromQL in deploy/grafana/dashboards/email-dispatcher.json, its Grafana variables set as
 * Grafana would set them, is evaluated by that Prometheus over that window (/api/v1/query_range)
 * and every panel is drawn. Every process it started is stopped. Logs: .local/dashboard/.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Resvg } from '@resvg/resvg-js';

import type { Dashboard } from '../../dev/dashboard/dashboard-model.js';
import { drawDashboard, scenarioMarkers } from '../../dev/dashboard/draw-dashboard.js';
import { grafanaVariables, type QueryRange } from '../../dev/dashboard/grafana-variables.js';
import { queryPanels } from '../../dev/dashboard/panel-data.js';
import { CLUSTER_SEND_RATE } from '../../dev/dashboard/pod-environment.js';
import { NAMESPACE, withDashboardLoad } from '../../dev/dashboard/run-dashboard-load.js';
import { DASHBOARD_SCENARIO, scenarioPods } from '../../dev/dashboard/scenario.js';
import { localKafkaOptionsFromEnv } from '../../dev/local-kafka.js';
import { fixKafkaJsNegativeTimeout } from '../../src/platform/kafka/kafkajs-negative-timeout.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DASHBOARD_PATH = 'deploy/grafana/dashboards/email-dispatcher.json';
const OUTPUT = 'docs/images/dashboard';
const SCRAPE_INTERVAL_S = 1;
/** The window opens this long before the load starts: the replica idle, then the load arriving. */
const LEAD_IN_S = 5;

async function main(): Promise<void> {
  // Node 24 warns about a negative timer in KafkaJS 2.2.4 on every connection (tulios/kafkajs#1751).
  fixKafkaJsNegativeTimeout();
  const say = (line: string): void => console.error(`dashboard: ${line}`);
  const began = Date.now();
  const dashboard = JSON.parse(readFileSync(path.join(ROOT, DASHBOARD_PATH), 'utf8')) as Dashboard;
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort(new Error('interrupted')));
  const { version, cacheDir } = localKafkaOptionsFromEnv(process.env);
  const pods = scenarioPods(DASHBOARD_SCENARIO);
  const svg = await withDashboardLoad(
    {
      projectRoot: ROOT,
      scenario: DASHBOARD_SCENARIO,
      // Its own ports and state, so a dev broker on 9092 is neither reused nor disturbed.
      kafka: {
        port: 35092,
        controllerPort: 35093,
        dir: path.join(ROOT, '.local', 'kafka-dashboard'),
        heap: '512m',
        fresh: true,
        ...(version ? { version } : {}),
        ...(cacheDir ? { cacheDir } : {}),
      },
      scrapeIntervalSeconds: SCRAPE_INTERVAL_S,
      log: say,
      signal: abort.signal,
    },
    async ({ prometheusUrl, startedAt, endedAt }) => {
      const range: QueryRange = { start: Math.floor(startedAt - LEAD_IN_S), end: Math.ceil(endedAt), stepSeconds: 1 };
      // The dashboard's variables at "All" replicas of the one namespace the targets are labelled with.
      const variables = grafanaVariables(range, SCRAPE_INTERVAL_S, { DS_PROMETHEUS: 'prometheus', namespace: NAMESPACE, pod: '.*' });
      const data = await queryPanels({ dashboard, prometheusUrl, range, variables, signal: abort.signal });
      say(`queried ${[...data.values()].reduce((n, s) => n + s.length, 0)} series for ${data.size} panels`);
      const minutes = ((range.end - range.start) / 60).toFixed(1);
      return drawDashboard({
        dashboard,
        data,
        range,
        origin: startedAt,
        markers: scenarioMarkers(DASHBOARD_SCENARIO, startedAt),
        caption: [
          `Real data, not a mock-up: each panel's PromQL (${DASHBOARD_PATH}) evaluated by Prometheus over this ${minutes}-minute run, ${new Date(range.start * 1000).toISOString().slice(0, 16)}Z, step 1 s.`,
          `The service as ${pods.length} replicas (pods ${pods.join(', ')}) on a local Kafka broker (with a receipts topic), a primary and a fallback SMTP relay (two sinks),`,
          `Redis for the sent ledger and a cluster send rate of ${CLUSTER_SEND_RATE}/s; ${DASHBOARD_SCENARIO.eventsPerSecond} sign-up events/s; scraped every ${SCRAPE_INTERVAL_S} s. npm run docs:dashboard`,
        ],
      });
    },
  );
  mkdirSync(path.join(ROOT, path.dirname(OUTPUT)), { recursive: true });
  writeFileSync(path.join(ROOT, `${OUTPUT}.svg`), svg);
  const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
  writeFileSync(path.join(ROOT, `${OUTPUT}.png`), png);
  say(`wrote ${OUTPUT}.svg and ${OUTPUT}.png (${Math.round(png.length / 1024)} KiB) in ${Math.round((Date.now() - began) / 1000)} s`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`dashboard: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
