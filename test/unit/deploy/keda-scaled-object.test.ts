import { describe, expect, it } from 'vitest';
import { KUBECTL_MISSING, kubectl, one } from '../../support/deploy/kustomize.js';
import type { EnvVar, PrometheusRule, ScaledObjectTrigger, TriggerAuthentication } from '../../support/deploy/manifest-types.js';
import { renderedTargets } from '../../support/deploy/rendered-target.js';
import { readYaml } from '../../support/deploy/repo-files.js';

/**
 * SMTP time of one send that the lag threshold is sized with (docs/operations.md, "Scaling"): a
 * relay that accepts in 100 ms lets one pod of EMAIL_WORKER_COUNT workers send that many per 0.1 s.
 */
const ASSUMED_SEND_SECONDS = 0.1;
/** The busy-workers trigger's target: this share of EMAIL_WORKER_COUNT per pod. */
const TARGET_UTILISATION = 0.8;
/** KAFKA_SASL_MECHANISM → the kafka scaler's `sasl`. */
const KEDA_SASL: Record<string, string> = { plain: 'plaintext', 'scram-sha-256': 'scram_sha256', 'scram-sha-512': 'scram_sha512' };

const partitions = Number(readYaml<{ 'x-topics': { partitions: string } }>('docker-compose.yml')['x-topics'].partitions);
const recorded = new Set(
  readYaml<PrometheusRule['spec']>('deploy/prometheus/rules/email-dispatcher.yml').groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))),
);
const trigger = (triggers: ScaledObjectTrigger[], type: string) => {
  const found = triggers.filter((t) => t.type === type);
  if (found.length !== 1) throw new Error(`expected one ${type} trigger, found ${found.length}`);
  return found[0] as ScaledObjectTrigger;
};

describe.skipIf(!kubectl)(`deploy/k8s › KEDA ScaledObject${kubectl ? '' : ` (${KUBECTL_MISSING})`}`, () => {
  for (const t of kubectl ? renderedTargets() : []) {
    const { spec } = t.scaledObject;
    const kafka = trigger(spec.triggers, 'kafka');
    const prometheus = trigger(spec.triggers, 'prometheus');
    const namespace = t.deployment.metadata.namespace;

    describe(t.name, () => {
      it('never runs more consumers than the topic has partitions, nor fewer than one', () => {
        expect(spec.maxReplicaCount).toBeLessThanOrEqual(partitions);
        expect(spec.minReplicaCount).toBeGreaterThanOrEqual(1);
        expect(kafka.metadata.allowIdleConsumers).toBe('false');
      });

      it("measures the lag of the service's own group and topic on its brokers, as the consumer counts it", () => {
        expect(kafka.metadata).toMatchObject({ bootstrapServers: t.config.kafka.brokers.join(','), consumerGroup: t.config.kafka.groupId, topic: t.config.kafka.topic });
        expect(kafka.metadata.offsetResetPolicy).toBe(t.config.kafka.fromBeginning ? 'earliest' : 'latest');
      });

      it('sizes the lag threshold so that the lag held behind pending retries alone asks for at most half the pods the load needs', () => {
        // Lag held back = rate x retry window; pods needed = rate / (workers / send time).
        const { retryDelaysMs, maxRetries, workerCount } = t.config.email;
        const retryWindowSeconds = Array.from({ length: maxRetries }, (_, i) => retryDelaysMs[Math.min(i, retryDelaysMs.length - 1)] ?? 0).reduce((a, b) => a + b, 0) / 1000;
        const podThroughput = workerCount / ASSUMED_SEND_SECONDS;
        expect(Number(kafka.metadata.lagThreshold)).toBeGreaterThanOrEqual(2 * retryWindowSeconds * podThroughput);
      });

      it('scales on workers busy or wanted, at 80 % of EMAIL_WORKER_COUNT per pod, read from a rule the rules file records', () => {
        expect(prometheus.metricType).toBe('AverageValue');
        expect(Number(prometheus.metadata.threshold)).toBe(TARGET_UTILISATION * t.config.email.workerCount);
        const [, metric = '', selector = ''] = /^sum\(([\w:]+)\{(.*)\}\)$/.exec(prometheus.metadata.query ?? '') ?? [];
        expect(recorded).toContain(metric);
        expect(selector).toContain('job="email-dispatcher"');
        // The base has no namespace; each overlay's must be the one its query reads.
        if (namespace !== undefined) expect(selector).toContain(`namespace="${namespace}"`);
        expect(prometheus.metadata.ignoreNullValues).toBe('false');
      });

      it('keeps its replicas, and at least the fallback, while a trigger cannot be read', () => {
        expect(spec.fallback).toMatchObject({ behavior: 'currentReplicasIfHigher', failureThreshold: expect.any(Number) });
        expect(spec.fallback?.replicas).toBeGreaterThanOrEqual(spec.minReplicaCount);
        expect(spec.fallback?.replicas).toBeLessThanOrEqual(spec.maxReplicaCount);
      });

      const sasl = t.config.kafka.saslMechanism;
      it(sasl === '' ? 'uses no Kafka credentials, like the pods' : `authenticates to Kafka as the pods do (TLS, ${sasl}, the same Secret)`, () => {
        const auths = t.objects.filter((o) => o.kind === 'TriggerAuthentication');
        if (sasl === '') {
          expect(kafka.authenticationRef).toBeUndefined();
          expect(auths).toEqual([]);
          return;
        }
        expect(kafka.metadata.sasl).toBe(KEDA_SASL[sasl]);
        expect(kafka.metadata.tls).toBe(t.config.kafka.ssl ? 'enable' : 'disable');
        const auth = one<TriggerAuthentication>(t.objects, 'TriggerAuthentication', kafka.authenticationRef?.name);
        const refs = Object.fromEntries(auth.spec.secretTargetRef.map((r) => [r.parameter, `${r.name}/${r.key}`]));
        // The pod's username comes from a secretKeyRef; its password and CA from files of a Secret volume.
        const env = new Map((t.container.env ?? []).map((e): [string, EnvVar] => [e.name, e]));
        const username = env.get('KAFKA_SASL_USERNAME')?.valueFrom?.secretKeyRef;
        const fileOf = (variable: string) => {
          const path = env.get(variable)?.value ?? t.configMap.data[variable] ?? '';
          const mount = t.container.volumeMounts?.find((m) => path.startsWith(`${m.mountPath}/`));
          const secret = t.pod.spec.volumes?.find((v) => v.name === mount?.name)?.secret;
          const item = secret?.items?.find((i) => i.path === path.slice((mount?.mountPath.length ?? 0) + 1));
          return `${secret?.secretName}/${item?.key}`;
        };
        expect(refs).toEqual({ username: `${username?.name}/${username?.key}`, password: fileOf('KAFKA_SASL_PASSWORD_FILE'), ca: fileOf('KAFKA_SSL_CA_FILE') });
      });
    });
  }
});
