import { describe, expect, it } from 'vitest';
import { PROMETHEUS_RULE_PATH, RULES_PATH, renderPrometheusRule } from '../../../deploy/scripts/render-prometheus-rule.js';
import { knownMetricNames } from '../../support/deploy/known-metrics.js';
import { metricNamesIn } from '../../support/deploy/promql.js';
import { findExecutable, readText, readYaml, run } from '../../support/deploy/repo-files.js';

interface Rule { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
const { groups } = readYaml<{ groups: Array<{ name: string; rules: Rule[] }> }>(RULES_PATH);
const alerts = groups.flatMap((g) => g.rules).filter((r): r is Rule & { alert: string } => r.alert !== undefined);
const unitTests = readYaml<{ tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }> }>('deploy/prometheus/rules/email-dispatcher.test.yml');

/** GitHub's anchor for a Markdown heading: lower-case, punctuation dropped, spaces to dashes. */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');
const docAnchors = new Set([...readText('docs/operations.md').matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) => anchor(heading as string)));

describe('alert rules › one source of truth', () => {
  it(`${PROMETHEUS_RULE_PATH} is exactly what npm run deploy:rules renders from ${RULES_PATH}`, () => {
    expect(readText(PROMETHEUS_RULE_PATH), 'stale PrometheusRule: run `npm run deploy:rules`').toBe(renderPrometheusRule(readText(RULES_PATH)));
  });
});

describe('alert rules › content', () => {
  it('uses only metrics the service (or Prometheus, kube-state-metrics) exports', async () => {
    const known = await knownMetricNames();
    for (const rule of alerts) {
      const names = metricNamesIn(rule.expr);
      expect(names.length, rule.alert).toBeGreaterThan(0);
      expect(names.filter((n) => !known.has(n)), rule.alert).toEqual([]);
    }
  });

  it.each(alerts.map((a) => [a.alert, a] as const))('%s has a severity, a summary and a runbook section in docs/operations.md', (_name, rule) => {
    expect(['warning', 'critical']).toContain(rule.labels?.severity);
    expect(rule.annotations?.summary).toBeTruthy();
    const [file, section] = (rule.annotations?.runbook ?? '').split('#');
    expect(file).toBe('docs/operations.md');
    expect(docAnchors, `no heading for #${section} in docs/operations.md`).toContain(section);
  });

  it('has a promtool unit test in which each alert fires, and one in which it stays quiet', () => {
    const cases = unitTests.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const { alert } of alerts) {
      expect(cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0), `${alert} never expected to fire`).toBe(true);
      expect(cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0), `${alert} never expected to stay quiet`).toBe(true);
    }
  });
});

const promtool = findExecutable('promtool');
describe.skipIf(!promtool)(`alert rules › promtool${promtool ? '' : ' (SKIPPED: promtool not on PATH; apt-get install prometheus)'}`, () => {
  it('check rules accepts the rules file', () => {
    expect(run(promtool as string, ['check', 'rules', RULES_PATH])).toMatch(/SUCCESS/);
  });

  it('test rules passes the unit tests', () => {
    expect(run(promtool as string, ['test', 'rules', 'deploy/prometheus/rules/email-dispatcher.test.yml'])).toMatch(/SUCCESS/);
  });

  it('check config accepts the compose Prometheus config and the rule files it names', () => {
    expect(run(promtool as string, ['check', 'config', 'deploy/prometheus/prometheus.yml'])).toMatch(/SUCCESS/);
  });
});
if (!promtool) console.warn('SKIPPED promtool checks: promtool is not on PATH (apt-get install -y prometheus; see deploy/ci-packages.txt)');
