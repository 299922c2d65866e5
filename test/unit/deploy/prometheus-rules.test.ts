import { describe, expect, it } from 'vitest';

import { PROMETHEUS_RULE_PATH, renderPrometheusRule, RULES_PATH } from '../../../deploy/scripts/render-prometheus-rule.js';
import { knownMetricNames } from '../../support/deploy/known-metrics.js';
import { kubectl, KUBECTL_MISSING, kustomize, one, overlayPath, OVERLAYS } from '../../support/deploy/kustomize.js';
import type { PrometheusRule, Rule } from '../../support/deploy/manifest-types.js';
import { metricNamesIn } from '../../support/deploy/promql.js';
import { findExecutable, readText, readYaml, run } from '../../support/deploy/repo-files.js';

const { groups } = readYaml<PrometheusRule['spec']>(RULES_PATH);
const rules = groups.flatMap((g) => g.rules);
const alerts = rules.filter((r): r is Rule & { alert: string } => r.alert !== undefined);
const unitTests = readYaml<{ tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }> }>(
  'deploy/prometheus/rules/email-dispatcher.test.yml',
);

/** GitHub's anchor for a Markdown heading: lower-case, punctuation dropped, spaces to dashes. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
const docAnchors = new Set([...readText('docs/operations.md').matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) => anchor(heading as string)));
/** runbook_url → [what precedes the "#", the anchor]. */
const splitUrl = (url: string | undefined) => (url ?? '').split('#') as [string, string?];

describe('alert rules › one source of truth', () => {
  it(`${PROMETHEUS_RULE_PATH} is exactly what npm run deploy:rules renders from ${RULES_PATH}`, () => {
    expect(readText(PROMETHEUS_RULE_PATH), 'stale PrometheusRule: run `npm run deploy:rules`').toBe(renderPrometheusRule(readText(RULES_PATH)));
  });
});

describe('alert rules › content', () => {
  it('uses only metrics the service (or Prometheus) exports', async () => {
    const known = await knownMetricNames();
    for (const rule of rules) {
      const names = metricNamesIn(rule.expr);
      expect(names.length, rule.alert ?? rule.record).toBeGreaterThan(0);
      expect(
        names.filter((n) => !known.has(n)),
        rule.alert ?? rule.record,
      ).toEqual([]);
    }
  });

  it.each([
    ['running on the fallback relay', 'EmailDispatcherRunningOnFallbackRelay', 'warning'],
    ['both relays down', 'EmailDispatcherBothRelaysDown', 'critical'],
    ['the cluster send rate falling back to a per-pod share', 'EmailDispatcherRateLimitFallback', 'warning'],
    ['receipts failing to publish', 'EmailDispatcherReceiptsFailing', 'warning'],
    ['a high SMTP send p99', 'EmailDispatcherSendLatencyHigh', 'warning'],
  ])('alerts on %s (%s, %s)', (_what, name, severity) => {
    expect(alerts.find((a) => a.alert === name)?.labels?.severity).toBe(severity);
  });

  it("leaves pod restarts to kube-prometheus' KubePodCrashLooping", () => {
    for (const rule of rules) expect(rule.expr, rule.alert ?? rule.record).not.toMatch(/kube_pod_container_status/);
  });

  it.each(alerts.map((a) => [a.alert, a] as const))(
    '%s has a severity, a summary, a description and an absolute runbook_url to its section of docs/operations.md',
    (_name, rule) => {
      expect(['warning', 'critical']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary).toBeTruthy();
      // What it means and what is at stake, in a sentence or more: the notification's body.
      expect(rule.annotations?.description?.length ?? 0).toBeGreaterThan(60);
      const [url, section] = splitUrl(rule.annotations?.runbook_url);
      expect(url).toMatch(/^https:\/\/[^/]+\/.*\/docs\/operations\.md$/);
      expect(docAnchors, `no heading for #${section} in docs/operations.md`).toContain(section);
    },
  );

  it('has a promtool unit test in which each alert fires, and one in which it stays quiet', () => {
    const cases = unitTests.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const { alert } of alerts) {
      expect(
        cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0),
        `${alert} never expected to fire`,
      ).toBe(true);
      expect(
        cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0),
        `${alert} never expected to stay quiet`,
      ).toBe(true);
    }
  });
});

describe.skipIf(!kubectl)(`alert rules › runbook per overlay${kubectl ? '' : ` (${KUBECTL_MISSING})`}`, () => {
  it.each(OVERLAYS)('overlay %s links every alert to its own runbook base, same sections', (overlay) => {
    const { configMapGenerator } = readYaml<{ configMapGenerator: Array<{ name: string; literals?: string[] }> }>(`${overlayPath(overlay)}/kustomization.yaml`);
    const literal = configMapGenerator.find((g) => g.name === 'email-dispatcher-runbooks')?.literals?.find((l) => l.startsWith('baseUrl='));
    const baseUrl = literal?.slice('baseUrl='.length);
    expect(baseUrl).toMatch(/^https:\/\/[^/]+\/.*\/docs\/operations\.md$/);
    const rendered = one<PrometheusRule>(kustomize(overlayPath(overlay)), 'PrometheusRule')
      .spec.groups.flatMap((g) => g.rules)
      .filter((r) => r.alert);
    expect(rendered.map((r) => r.annotations?.runbook_url)).toEqual(alerts.map((a) => `${baseUrl}#${splitUrl(a.annotations?.runbook_url)[1]}`));
    // A base pinned to a release tag names the release the overlay runs.
    const tag = /\/v(\d+\.\d+\.\d+[^/]*)\//.exec(baseUrl ?? '')?.[1];
    if (tag !== undefined) expect(tag).toBe((JSON.parse(readText('package.json')) as { version: string }).version);
  });
});

const promtool = findExecutable('promtool');
describe.skipIf(!promtool)(
  `alert rules › promtool${promtool ? '' : ' (SKIPPED: promtool not on PATH; apt-get install prometheus)'}`,
  { timeout: 60_000 },
  () => {
    it('check rules accepts the rules file', () => {
      expect(run(promtool as string, ['check', 'rules', RULES_PATH])).toMatch(/SUCCESS/);
    });

    it('test rules passes the unit tests', () => {
      expect(run(promtool as string, ['test', 'rules', 'deploy/prometheus/rules/email-dispatcher.test.yml'])).toMatch(/SUCCESS/);
    });

    it('check config accepts the compose Prometheus config and the rule files it names', () => {
      expect(run(promtool as string, ['check', 'config', 'deploy/prometheus/prometheus.yml'])).toMatch(/SUCCESS/);
    });
  },
);
if (!promtool) console.warn('SKIPPED promtool checks: promtool is not on PATH (apt-get install -y prometheus; see deploy/ci-packages.txt)');
