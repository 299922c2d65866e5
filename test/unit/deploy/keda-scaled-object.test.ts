import { describe, expect, it } from 'vitest';

import { kubectl, KUBECTL_MISSING } from '../../support/deploy/kustomize.js';
import type { PrometheusRule, ScaledObjectTrigger } from '../../support/deploy/manifest-types.js';
import { renderedTargets } from '../../support/deploy/rendered-target.js';
import { readYaml } from '../../support/deploy/repo-files.js';

/**
 * SMTP time of one send that the lag threshold is sized with (docs/operations.md, "Scaling"): a
 * relay that accepts in 100 ms lets one pod of EMAIL_WORKER_COUNT workers send that many per 0.1 s.
 */
const ASSUMED_SEND_SECONDS = 0.1;
/** The busy-workers trigger's target: this share of EMAIL_WORKER_COUNT per pod. */
const TARGET_UTILISATION = 0.8;

const partitions = Number(readYaml<{ 'x-topics': { partitions: string } }>('docker-compose.yml')['x-topics'].partitions);
const recorded = new Set(
  readYaml<PrometheusRule['spec']>('deploy/prometheus/rules/email-dispatcher.yml').groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))),
);
const trigger = (triggers: ScaledObjectTrigger[], name: string) => {
  const found = triggers.filter((t) => t.name === name);
  if (found.length !== 1) throw new Error(`expected one trigger named ${name}, found ${found.length}`);
  return found[0] as ScaledObjectTrigger;
};
/** `sum(<recorded series>{<selector>})`: the recorded series and its selector. */
const queryOf = (t: ScaledObjectTrigger) => {
  const [, metric = '', selector = ''] = /^sum\(([\w:]+)\{(.*)\}\)$/.exec(t.metadata.query ?? '') ?? [];
  return { metric, selector };
};

describe.skipIf(!kubectl)(`deploy/k8s › KEDA ScaledObject${kubectl ? '' : ` (${KUBECTL_MISSING})`}`, () => {
  for (const t of kubectl ? renderedTargets() : []) {
    const { spec } = t.scaledObject;
    const backlog = trigger(spec.triggers, 'backlog');
    const prometheus = trigger(spec.triggers, 'busy-workers');
    const namespace = t.deployment.metadata.namespace;

    describe(t.name, () => {
      it('never runs more consumers than the topic has partitions, nor fewer than one', () => {
        expect(spec.maxReplicaCount).toBeLessThanOrEqual(partitions);
        expect(spec.minReplicaCount).toBeGreaterThanOrEqual(1);
      });

      it('sets no cooldownPeriod: it applies only to scaling to zero, which minReplicaCount forbids', () => {
        expect(spec.minReplicaCount).toBeGreaterThan(0);
        expect(spec.cooldownPeriod).toBeUndefined();
      });

      it('scales on Prometheus only: KEDA needs no Kafka trigger, credentials or network path', () => {
        expect(spec.triggers.map((tr) => tr.type)).toEqual(['prometheus', 'prometheus']);
        expect(t.objects.filter((o) => o.kind === 'TriggerAuthentication')).toEqual([]);
      });

      it('reads the backlog as the lag the pods report, from a rule that drops it while the SMTP circuit is open', () => {
        const { metric, selector } = queryOf(backlog);
        expect(metric).toBe('namespace_job:email_dispatcher_consumer_lag_messages:sum_unless_circuit_open');
        expect(recorded).toContain(metric);
        expect(selector).toContain('job="email-dispatcher"');
        if (namespace !== undefined) expect(selector).toContain(`namespace="${namespace}"`);
        expect(backlog.metricType).toBe('AverageValue');
        // No series (circuit open, no pod scraped) is an error: the fallback holds the replicas.
        expect(backlog.metadata.ignoreNullValues).toBe('false');
      });

      it('sizes the lag threshold so that the lag held behind pending retries alone asks for at most half the pods the load needs', () => {
        // Lag held back = rate x retry window; pods needed = rate / (workers / send time).
        const { retryDelaysMs, maxRetries, workerCount } = t.config.email;
        const retryWindowSeconds =
          Array.from({ length: maxRetries }, (_, i) => retryDelaysMs[Math.min(i, retryDelaysMs.length - 1)] ?? 0).reduce((a, b) => a + b, 0) / 1000;
        const podThroughput = workerCount / ASSUMED_SEND_SECONDS;
        expect(Number(backlog.metadata.threshold)).toBeGreaterThanOrEqual(2 * retryWindowSeconds * podThroughput);
      });

      it('scales on workers busy or wanted, at 80 % of EMAIL_WORKER_COUNT per pod, read from a rule the rules file records', () => {
        expect(prometheus.metricType).toBe('AverageValue');
        expect(Number(prometheus.metadata.threshold)).toBe(TARGET_UTILISATION * t.config.email.workerCount);
        const { metric, selector } = queryOf(prometheus);
        expect(recorded).toContain(metric);
        expect(selector).toContain('job="email-dispatcher"');
        // The base has no namespace; each overlay's must be the one its query reads.
        if (namespace !== undefined) expect(selector).toContain(`namespace="${namespace}"`);
        expect(prometheus.metadata.ignoreNullValues).toBe('false');
      });

      it('keeps the replicas it has, never more, while a trigger has no series (SMTP circuit open, Prometheus away)', () => {
        expect(spec.fallback).toMatchObject({ behavior: 'currentReplicasIfHigher', failureThreshold: expect.any(Number) });
        expect(spec.fallback?.replicas).toBe(spec.minReplicaCount);
      });
    });
  }
});
