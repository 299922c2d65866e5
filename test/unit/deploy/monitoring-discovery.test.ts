import { describe, expect, it } from 'vitest';

import { DASHBOARD_PATH } from '../../../deploy/scripts/render-dashboard-preview.js';
import type { KubernetesObject } from '../../support/deploy/kubernetes-schemas.js';
import { kubectl, KUBECTL_MISSING, kustomize, one, overlayPath, OVERLAYS } from '../../support/deploy/kustomize.js';
import type { ConfigMap } from '../../support/deploy/manifest-types.js';
import { readText } from '../../support/deploy/repo-files.js';

/**
 * What a stock kube-prometheus-stack selects: with the chart's defaults
 * (prometheus.prometheusSpec.podMonitorSelectorNilUsesHelmValues and ruleSelectorNilUsesHelmValues:
 * true) its Prometheus picks the PodMonitors and PrometheusRules labelled `release: <Helm release>`,
 * in every namespace; the release is named after the chart in its install instructions. Its Grafana
 * sidecar loads every ConfigMap labelled `grafana_dashboard: "1"` (grafana.sidecar.dashboards,
 * searchNamespace: ALL).
 */
const STOCK_RULE_AND_MONITOR_SELECTOR = { release: 'kube-prometheus-stack' };
const STOCK_DASHBOARD_LABEL = { grafana_dashboard: '1' };
const COMPONENT = 'deploy/k8s/components/monitoring-discovery/kustomization.yaml';

describe.skipIf(!kubectl)(`deploy/k8s › discovery by a stock kube-prometheus-stack${kubectl ? '' : ` (${KUBECTL_MISSING})`}`, () => {
  describe.each(OVERLAYS)('overlay %s', (overlay) => {
    const objects = kubectl ? kustomize(overlayPath(overlay)) : [];

    it.each(['PodMonitor', 'PrometheusRule'])("labels its %s for the stack's Prometheus selector", (kind) => {
      expect(one<KubernetesObject>(objects, kind).metadata.labels).toMatchObject(STOCK_RULE_AND_MONITOR_SELECTOR);
    });

    it("ships the dashboard as a ConfigMap the stack's Grafana sidecar loads, with the file's exact JSON, under a stable name", () => {
      const dashboards = objects.filter((o): o is ConfigMap => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard !== undefined);
      expect(dashboards.map((d) => d.metadata.name)).toEqual(['email-dispatcher-dashboard']);
      const [dashboard] = dashboards as [ConfigMap];
      expect(dashboard.metadata.labels).toMatchObject(STOCK_DASHBOARD_LABEL);
      expect(dashboard.data).toEqual({ 'email-dispatcher.json': readText(DASHBOARD_PATH) });
    });
  });

  it('writes the selector label once, in the component every overlay lists', () => {
    const lines = readText(COMPONENT)
      .split('\n')
      .filter((l) => !l.trim().startsWith('#'));
    expect(lines.filter((l) => l.includes('kube-prometheus-stack'))).toHaveLength(1);
    for (const overlay of OVERLAYS) expect(readText(`${overlayPath(overlay)}/kustomization.yaml`)).toContain('../../components/monitoring-discovery');
  });
});

describe('docs/operations.md › prerequisites', () => {
  const docs = readText('docs/operations.md');
  const section = /^## Prerequisites\n([\s\S]*?)(?=^## )/m.exec(docs)?.[1] ?? '';

  it('says what the cluster must run, and the labels that make it find the service', () => {
    for (const needed of [
      'kube-prometheus-stack',
      'KEDA',
      'NetworkPolicy',
      'release: kube-prometheus-stack',
      'grafana_dashboard',
      'components/monitoring-discovery',
    ]) {
      expect(section, needed).toContain(needed);
    }
  });
});
