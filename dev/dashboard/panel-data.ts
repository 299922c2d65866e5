/** Every query of every panel, evaluated by Prometheus over one range, as legend-named series. */
import type { Dashboard } from './dashboard-model.js';
import { expandGrafanaVariables, type QueryRange } from './grafana-variables.js';
import { formatLegend, queryRange, type Series } from './query-range.js';

export interface LegendSeries {
  readonly legend: string;
  readonly points: Series['points'];
}

/** Panel id → its series, in query order, each query's series by legend. */
export type PanelData = ReadonlyMap<number, readonly LegendSeries[]>;

export async function queryPanels({
  dashboard,
  prometheusUrl,
  range,
  variables,
  signal,
}: {
  dashboard: Dashboard;
  prometheusUrl: string;
  range: QueryRange;
  variables: Readonly<Record<string, string>>;
  signal?: AbortSignal;
}): Promise<PanelData> {
  const data = new Map<number, LegendSeries[]>();
  for (const panel of dashboard.panels) {
    const series: LegendSeries[] = [];
    for (const target of panel.targets ?? []) {
      const result = await queryRange(prometheusUrl, expandGrafanaVariables(target.expr, variables), range, signal);
      const named = result.map((s) => ({ legend: formatLegend(target.legendFormat, s.labels), points: s.points }));
      series.push(...named.sort((a, b) => a.legend.localeCompare(b.legend, 'en', { numeric: true })));
    }
    data.set(panel.id, series);
  }
  return data;
}
