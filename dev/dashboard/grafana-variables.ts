/**
 * Grafana's template variables in a panel's PromQL, replaced by fixed values so Prometheus itself can
 * evaluate the query (`/api/v1/query_range`), as Grafana would for one time range.
 */

/**
 * Grafana's `$__rate_interval`: the larger of the step plus one scrape interval, and four scrape
 * intervals, so a rate() window always holds at least two samples
 * (grafana.com/docs/grafana/latest/datasources/prometheus/template-variables/#use-__rate_interval).
 */
export function rateIntervalSeconds({ stepSeconds, scrapeIntervalSeconds }: { stepSeconds: number; scrapeIntervalSeconds: number }): number {
  return Math.max(stepSeconds + scrapeIntervalSeconds, 4 * scrapeIntervalSeconds);
}

export interface QueryRange {
  /** Unix seconds. */
  readonly start: number;
  readonly end: number;
  readonly stepSeconds: number;
}

/** The built-in interval variables for one range, plus the dashboard's own variables (name → value). */
export function grafanaVariables(range: QueryRange, scrapeIntervalSeconds: number, own: Readonly<Record<string, string>>): Record<string, string> {
  return {
    ...own,
    __interval: `${range.stepSeconds}s`,
    __rate_interval: `${rateIntervalSeconds({ stepSeconds: range.stepSeconds, scrapeIntervalSeconds })}s`,
    __range: `${Math.round(range.end - range.start)}s`,
  };
}

/**
 * Replaces `$name` and `${name}` with their values. A variable with no value throws, naming it: a
 * query the picture cannot evaluate as Grafana would must not be drawn from a guess.
 */
export function expandGrafanaVariables(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (_match, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare) as string;
    const value = values[name];
    if (value === undefined) throw new Error(`no value for the Grafana variable $${name} in: ${expr}`);
    return value;
  });
}
