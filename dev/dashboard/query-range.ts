/** A range query against Prometheus' HTTP API (`/api/v1/query_range`), as Grafana sends one per panel query. */
import type { QueryRange } from './grafana-variables.js';

export interface Series {
  readonly labels: Readonly<Record<string, string>>;
  /** [unix seconds, value], in time order; NaN and infinite samples (a quantile of no data) left out. */
  readonly points: ReadonlyArray<readonly [number, number]>;
}

interface MatrixBody {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: Array<{ metric?: Record<string, string>; values?: Array<[number, string]> }> };
}

/** The series of a query_range answer; throws with Prometheus' own error for anything but a matrix. */
export function seriesFromMatrix(body: unknown): Series[] {
  const { status, error, data } = body as MatrixBody;
  if (status !== 'success' || data?.resultType !== 'matrix') throw new Error(`Prometheus answered ${status ?? 'nothing'}${error ? `: ${error}` : ''}`);
  return (data.result ?? []).map(({ metric = {}, values = [] }) => ({
    labels: metric,
    points: values.map(([t, v]) => [t, Number(v)] as const).filter(([, v]) => Number.isFinite(v)),
  }));
}

export async function queryRange(prometheusUrl: string, expr: string, range: QueryRange, signal?: AbortSignal): Promise<Series[]> {
  const params = new URLSearchParams({ query: expr, start: String(range.start), end: String(range.end), step: `${range.stepSeconds}s` });
  const res = await fetch(`${prometheusUrl}/api/v1/query_range?${params}`, { signal: signal ?? AbortSignal.timeout(30_000) });
  try {
    return seriesFromMatrix(await res.json());
  } catch (error) {
    throw new Error(`${expr}: ${(error as Error).message}`, { cause: error });
  }
}

/** Grafana's legend: `{{label}}` replaced by the series' label value (empty when it has none). */
export function formatLegend(format: string | undefined, labels: Readonly<Record<string, string>>): string {
  if (!format)
    return `{${Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(', ')}}`;
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_match, name: string) => labels[name] ?? '');
}
