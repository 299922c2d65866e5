/**
 * Writes deploy/k8s/base/prometheus-rule.yaml from deploy/prometheus/rules/email-dispatcher.yml, the one
 * source of truth for the alert rules (docker compose loads the plain file, Kubernetes the
 * PrometheusRule). `npm run deploy:rules` after editing the rules; a unit test fails while the two
 * differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { parse, stringify } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RULES_PATH = 'deploy/prometheus/rules/email-dispatcher.yml';
export const PROMETHEUS_RULE_PATH = 'deploy/k8s/base/prometheus-rule.yaml';

const HEADER = `# GENERATED from ${RULES_PATH} by deploy/scripts/render-prometheus-rule.ts
# (npm run deploy:rules). Edit that file, not this one.
`;

/** The PrometheusRule manifest carrying exactly the rule groups of the plain rules file. */
export function renderPrometheusRule(rulesYaml: string): string {
  const { groups } = parse(rulesYaml) as { groups: unknown };
  if (!Array.isArray(groups) || groups.length === 0) throw new Error(`${RULES_PATH}: expected a non-empty "groups" list`);
  const resource = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'email-dispatcher' },
    spec: { groups },
  };
  return HEADER + stringify(resource, { lineWidth: 0 });
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rendered = renderPrometheusRule(readFileSync(ROOT + RULES_PATH, 'utf8'));
  writeFileSync(ROOT + PROMETHEUS_RULE_PATH, rendered);
  console.log(`wrote ${PROMETHEUS_RULE_PATH}`);
}
