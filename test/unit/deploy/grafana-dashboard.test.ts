import { describe, expect, it } from 'vitest';
import { renderDashboardSvg } from '../../../deploy/scripts/render-dashboard-preview.js';
import { knownMetricNames } from '../../support/deploy/known-metrics.js';
import { metricNamesIn, substituteGrafanaVariables } from '../../support/deploy/promql.js';
import { readText } from '../../support/deploy/repo-files.js';

interface Target { expr: string; refId: string; legendFormat?: string; datasource?: { uid: string } }
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: unknown; datasource?: { uid: string } }> };
}

const DASHBOARD = 'deploy/grafana/dashboards/email-dispatcher.json';
const dashboard = JSON.parse(readText(DASHBOARD)) as Dashboard;
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const targets = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));
const allExprs = targets.map((t) => t.expr).join('\n');

describe(DASHBOARD, () => {
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
      expect(names.filter((n) => !known.has(n)), where).toEqual([]);
    }
  });

  it.each([
    ['throughput', ['email_dispatcher_emails_sent_total', 'email_dispatcher_messages_consumed_total']],
    ['outcomes', ['email_dispatcher_dead_lettered_total', 'email_dispatcher_retries_total', 'email_dispatcher_send_failures_total']],
    ['lag per partition', ['email_dispatcher_consumer_lag_messages']],
    ['buffer vs capacity', ['email_dispatcher_in_flight_messages', 'email_dispatcher_queued_messages', 'email_dispatcher_retry_waiting_messages', 'email_dispatcher_held_messages', 'email_dispatcher_buffer_capacity_messages']],
    ['circuit state', ['email_dispatcher_smtp_circuit_open']],
    ['memory', ['process_resident_memory_bytes', 'nodejs_heap_size_used_bytes']],
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

  it('can be drawn for the docs (npm run docs:dashboard), every panel titled, marked as not live data', () => {
    const svg = renderDashboardSvg(dashboard);
    for (const panel of dashboard.panels) expect(svg).toContain(`>${panel.title}</text>`);
    expect(svg).toContain('not live data');
  });
});
