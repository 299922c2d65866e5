import { parser } from '@prometheus-io/lezer-promql';

/** Grafana's variables, replaced by something PromQL can parse (a duration or a regex). */
const GRAFANA_VARIABLES: ReadonlyArray<[RegExp, string]> = [
  [/\$__rate_interval|\$__interval|\$__range/g, '5m'],
  [/\$\{?\w+\}?/g, '.*'],
];

export function substituteGrafanaVariables(expr: string): string {
  return GRAFANA_VARIABLES.reduce((text, [pattern, value]) => text.replace(pattern, value), expr);
}

/**
 * Parses a PromQL expression with Prometheus' own grammar and returns the metric names it selects,
 * or throws naming the first position the grammar could not parse.
 */
export function metricNamesIn(expr: string): string[] {
  const tree = parser.parse(expr);
  const names: string[] = [];
  let error: number | undefined;
  tree.iterate({
    enter(node) {
      if (node.type.isError) error ??= node.from;
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.push(expr.slice(node.from, node.to));
    },
  });
  if (error !== undefined)
    throw new Error(`PromQL does not parse at ${error}: ${expr.slice(Math.max(0, error - 20), error)}⟨here⟩${expr.slice(error, error + 20)}`);
  return names;
}
