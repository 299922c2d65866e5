import { describe, expect, it } from 'vitest';

import { DASHBOARD_PATH } from '../../../deploy/scripts/render-dashboard-preview.js';
import { knownMetricNames } from '../../support/deploy/known-metrics.js';
import { metricNamesIn, substituteGrafanaVariables } from '../../support/deploy/promql.js';
import { readText } from '../../support/deploy/repo-files.js';

interface Target {
  expr: string;
  refId: string;
  legendFormat?: string;
  datasource?: { uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
  fieldConfig?: { defaults?: { unit?: string }; overrides?: Array<{ properties: Array<{ id: string }> }> };
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: unknown; datasource?: { uid: string } }> };
}

const dashboard = JSON.parse(readText(DASHBOARD_PATH)) as Dashboard;
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const targets = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));
const allExprs = targets.map((t) => t.expr).join('\n');

/** The Grafana unit a query's values come in, read from its functions and its metric's suffix. */
function unitOf(expr: string): string {
  // A rate over a configured rate (…_per_second) is the share of it used.
  if (/\brate\(.*\) \/ max(?: by \([\w, ]+\))? ?\(\w+_per_second\{/.test(expr)) return 'percentunit';
  if (/histogram_quantile\(.*_seconds_bucket/.test(expr) || /time\(\) - .*_timestamp_seconds/.test(expr)) return 's';
  if (/rate\(\w+_seconds_total/.test(expr)) return 'percentunit';
  if (/\brate\(/.test(expr)) return 'ops';
  if (/_seconds\{/.test(expr)) return 's';
  if (/_bytes\{/.test(expr)) return 'bytes';
  return 'short';
}

describe(DASHBOARD_PATH, () => {
  it('selects its data source through the DS_PROMETHEUS variable everywhere', () => {
    expect(dashboard.templating.list.find((v) => v.name === 'DS_PROMETHEUS')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const panel of panels) expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${DS_PROMETHEUS}' });
    for (const target of targets) expect(target.datasource?.uid, target.panel).toBe('${DS_PROMETHEUS}');
    for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) expect(variable.datasource?.uid).toBe('${DS_PROMETHEUS}');
  });

  it('queries only metrics the service exports, in PromQL that parses', async () => {
    const known = await knownMetricNames();
    const queries = [
      ...targets.map((t) => ({ where: `${t.panel} ${t.refId}`, expr: t.expr })),
      ...dashboard.templating.list
        .filter((v) => v.type === 'query')
        .map((v) => ({ where: `variable ${v.name}`, expr: String((v.query as { query: string }).query).replace(/^label_values\((.*), \w+\)$/, '$1') })),
    ];
    for (const { where, expr } of queries) {
      const names = metricNamesIn(substituteGrafanaVariables(expr));
      expect(names.length, where).toBeGreaterThan(0);
      expect(
        names.filter((n) => !known.has(n)),
        where,
      ).toEqual([]);
    }
  });

  it.each([
    ['throughput', ['email_dispatcher_emails_sent_total', 'email_dispatcher_messages_consumed_total']],
    ['outcomes', ['email_dispatcher_dead_lettered_total', 'email_dispatcher_retries_total', 'email_dispatcher_send_failures_total']],
    ['lag per partition', ['email_dispatcher_consumer_lag_messages']],
    [
      'buffer vs capacity',
      [
        'email_dispatcher_in_flight_messages',
        'email_dispatcher_queued_messages',
        'email_dispatcher_retry_waiting_messages',
        'email_dispatcher_held_messages',
        'email_dispatcher_buffer_capacity_messages',
      ],
    ],
    ['circuit state', ['email_dispatcher_smtp_circuit_open']],
    ['memory', ['process_resident_memory_bytes', 'nodejs_heap_size_used_bytes']],
    ['oldest-unsettled age', ['email_dispatcher_oldest_unsettled_age_seconds']],
    ['time since last progress', ['email_dispatcher_last_progress_timestamp_seconds']],
    ['idempotency ledger errors', ['email_dispatcher_idempotency_ledger_errors_total', 'email_dispatcher_idempotency_lease_lost_total']],
    ['replicas', ['up{', 'email_dispatcher_ready', 'email_dispatcher_build_info']],
    ['offset commits', ['email_dispatcher_offset_commits_total']],
    ['sends by relay and which relay is down', ['email_dispatcher_relay_sends_total', 'email_dispatcher_relay_circuit_open']],
    ['the cluster send rate falling back to a per-pod share', ['email_dispatcher_rate_limit_fallback']],
    ['receipts published and failing', ['email_dispatcher_receipts_published_total', 'email_dispatcher_receipt_publish_errors_total']],
    ['receipt lag', ['histogram_quantile(0.99, sum by (le) (rate(email_dispatcher_receipt_publish_delay_seconds_bucket{']],
    [
      'failures by relay, and relays refusing us',
      ['sum by (relay, smtp_code_class) (rate(email_dispatcher_send_failures_total{', 'sum by (relay) (rate(email_dispatcher_relay_refusals_total{'],
    ],
    [
      'the send-rate budget used, cluster-wide and per pod',
      ['/ max(email_dispatcher_send_rate_limit_per_second{', '/ max by (pod) (email_dispatcher_send_rate_limit_per_second{'],
    ],
    ['blocked partitions', ['email_dispatcher_partition_blocked']],
    ['stalled DLQ and receipt publishes', ['email_dispatcher_dlq_publish_stalled_messages', 'email_dispatcher_receipt_publish_stalled_requests']],
  ])('shows %s', (_what, metrics) => {
    for (const metric of metrics) expect(allExprs).toContain(metric);
  });

  it.each(['email_dispatcher_send_duration_seconds', 'email_dispatcher_end_to_end_latency_seconds'])('shows p50/p95/p99 of %s', (histogram) => {
    for (const q of ['0.5', '0.95', '0.99']) {
      expect(allExprs).toContain(`histogram_quantile(${q}, sum by (le) (rate(${histogram}_bucket{`);
    }
  });

  it('lays panels out on the 24-column grid without overlaps, with unique ids', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Map<string, string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let row = y; row < y + h; row++) {
        for (let col = x; col < x + w; col++) {
          const key = `${row}:${col}`;
          expect(cells.get(key), `${panel.title} overlaps ${cells.get(key)}`).toBeUndefined();
          cells.set(key, panel.title);
        }
      }
    }
  });

  it('selects replicas by pod, the label a PodMonitor gives them, and names them by pod in legends', () => {
    expect(dashboard.templating.list.find((v) => v.name === 'pod')).toMatchObject({ type: 'query', label: 'Replica' });
    for (const target of targets) {
      expect(target.expr, target.panel).toContain('pod=~"$pod"');
      expect(target.expr, target.panel).not.toMatch(/instance/);
      expect(target.legendFormat ?? '', target.panel).not.toContain('{{instance}}');
    }
  });

  it.each([
    'Throughput',
    'Oldest unsettled message',
    'Time since last progress',
    'SMTP circuit and fetch pause',
    'Sent ledger (Redis) errors',
    'Rebalances and consumer crashes',
    'Memory',
    'CPU',
    'Event-loop delay p99',
    'Relay circuits',
    'Cluster send rate fallback',
    'Stalled publishes',
  ])('draws one line per pod in %s', (title) => {
    const panel = panels.find((p) => p.title === title);
    expect(
      panel?.targets?.some((t) => t.legendFormat?.includes('{{pod}}')),
      title,
    ).toBe(true);
  });

  it("puts one unit on each axis: every query of a panel measures in the panel's unit, and no series is moved to another", () => {
    for (const panel of panels) {
      for (const target of panel.targets ?? [])
        expect(`${panel.title} ${target.refId}: ${unitOf(target.expr)}`).toBe(`${panel.title} ${target.refId}: ${panel.fieldConfig?.defaults?.unit}`);
      const overridden = (panel.fieldConfig?.overrides ?? []).flatMap((o) => o.properties.map((p) => p.id));
      expect(
        overridden.filter((id) => id === 'unit' || id.startsWith('custom.axis')),
        panel.title,
      ).toEqual([]);
    }
  });

  it('is named by docs/operations.md only by panel titles it has', () => {
    const titles = new Set([dashboard.title, ...panels.map((p) => p.title)]);
    const docs = readText('docs/operations.md');
    // How the guide quotes a panel: Dashboard "Throughput", ("Relays"), "SMTP send duration" p95, "X" on the dashboard.
    const patterns = [/[Dd]ashboard "([^"\n]+)"/g, /\("([A-Z][^"\n]+)"\)/g, /"([A-Z][^"\n]+)" (?:p\d\d|panel|on the dashboard)/g];
    const named = patterns.flatMap((re) => [...docs.matchAll(re)].map(([, title]) => title as string));
    expect(named.length).toBeGreaterThan(3);
    expect(named.filter((t) => !titles.has(t))).toEqual([]);
  });
});
