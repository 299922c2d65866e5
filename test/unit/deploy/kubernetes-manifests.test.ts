import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { configEnvNames, REQUIRED_ENV } from '../../../src/platform/config/config.js';
import { expectLockedDown } from '../../support/deploy/expect-locked-down.js';
import { type KubernetesObject, validateKubernetesObject } from '../../support/deploy/kubernetes-schemas.js';
import { BASE, kubectl, KUBECTL_MISSING, kustomize, one, overlayPath, OVERLAYS, redrivePath } from '../../support/deploy/kustomize.js';
import type { NetworkPolicy, PodTemplate } from '../../support/deploy/manifest-types.js';
import { renderedTargets } from '../../support/deploy/rendered-target.js';
import { parseYamlDocuments, readText, readYaml, ROOT } from '../../support/deploy/repo-files.js';

const K8S = 'deploy/k8s/';
const load = (path: string) => parseYamlDocuments<KubernetesObject>(readText(path), path);

/** Every YAML file under deploy/k8s: kustomizations, and manifests (resources, examples, the Job). */
function yamlFiles(dir = K8S): string[] {
  return readdirSync(ROOT + dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return yamlFiles(`${dir}${entry.name}/`);
    return /\.ya?ml$/.test(entry.name) ? [dir + entry.name] : [];
  });
}
const kustomizations = yamlFiles().filter((f) => f.endsWith('/kustomization.yaml'));
const manifests = yamlFiles().filter((f) => !f.endsWith('/kustomization.yaml'));
const examples = manifests.filter((f) => f.endsWith('secret.example.yaml'));
const packageVersion = (JSON.parse(readText('package.json')) as { version: string }).version;
/** Mebibytes of a memory quantity ("320Mi", "1Gi"). */
const mebibytes = (quantity: string) => Number(/^(\d+)Mi$/.exec(quantity)?.[1] ?? Number(/^(\d+)Gi$/.exec(quantity)?.[1]) * 1024);

describe('deploy/k8s › files', () => {
  it.each(manifests)('%s validates against its Kubernetes schema', (file) => {
    const objects = load(file);
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) validateKubernetesObject(object);
  });

  it.each(examples)("%s has only placeholders and is no kustomization's resource", (file) => {
    const secret = one<KubernetesObject & { stringData: Record<string, string> }>(load(file), 'Secret');
    for (const value of Object.values(secret.stringData)) expect(value).toMatch(/^REPLACE_WITH_/);
    for (const k of kustomizations) expect(readYaml<{ resources?: string[] }>(k).resources ?? [], k).not.toContain('secret.example.yaml');
  });
});

describe.skipIf(!kubectl)(`deploy/k8s › kubectl kustomize${kubectl ? '' : ` (${KUBECTL_MISSING})`}`, () => {
  const dirs = [BASE, ...OVERLAYS.map(overlayPath), ...OVERLAYS.map(redrivePath)];

  it.each(dirs)('%s renders, and every object validates', (dir) => {
    const objects = kustomize(dir);
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) validateKubernetesObject(object);
  });

  it('renders the base as the service and what watches, scales and fences it', () => {
    expect(
      kustomize(BASE)
        .map((o) => o.kind)
        .sort(),
    ).toEqual([
      'ConfigMap',
      'Deployment',
      'NetworkPolicy',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'PodMonitor',
      'PrometheusRule',
      'ScaledObject',
      'ServiceAccount',
    ]);
  });

  it.each(OVERLAYS)('overlay %s renders everything of the base, in one namespace, and no Job', (overlay) => {
    const objects = kustomize(overlayPath(overlay));
    // The ConfigMap's name ends in a hash of its content, which the overlay changes.
    const names = (list: KubernetesObject[]) =>
      list.map((o) => `${o.kind}/${o.kind === 'ConfigMap' ? o.metadata.name.replace(/-[a-z0-9]{10}$/, '') : o.metadata.name}`);
    expect(names(objects)).toEqual(expect.arrayContaining(names(kustomize(BASE))));
    expect(new Set(objects.map((o) => o.metadata.namespace)).size).toBe(1);
    expect(objects[0]?.metadata.namespace).toBeTruthy();
    expect(objects.map((o) => o.kind)).not.toContain('Job');
  });

  it('refers to the ConfigMap only by its hashed name, so that a change of configuration rolls the pods', () => {
    for (const dir of dirs) {
      const text = JSON.stringify(kustomize(dir));
      expect(text, dir).not.toMatch(/"email-dispatcher-config"/);
      expect(text, dir).toMatch(/"email-dispatcher-config-[a-z0-9]{10}"/);
    }
  });

  it.each(dirs)('%s: every object and pod template carries app.kubernetes.io/version = the image tag = package.json version', (dir) => {
    const objects = kustomize(dir);
    const templates = objects.map((o) => (o.spec as { template?: PodTemplate } | undefined)?.template).filter((t): t is PodTemplate => t !== undefined);
    for (const labels of [...objects.map((o) => o.metadata.labels), ...templates.map((t) => t.metadata.labels)]) {
      expect(labels?.['app.kubernetes.io/version']).toBe(packageVersion);
    }
    for (const template of templates) expect(template.spec.containers[0]?.image).toMatch(new RegExp(`:${packageVersion.replace(/\./g, '\\.')}$`));
  });
});

describe('deploy/k8s › egress, written once per overlay', () => {
  it.each(OVERLAYS)('overlay %s sets every egress destination and port in its egress.yaml, no JSON patch by index', (overlay) => {
    const kustomization = readYaml<{ patches?: Array<{ path?: string; patch?: string; target?: { kind?: string } }> }>(
      `${overlayPath(overlay)}/kustomization.yaml`,
    );
    expect(kustomization.patches?.map((p) => p.path)).toContain('egress.yaml');
    for (const patch of kustomization.patches ?? []) expect(patch.target?.kind, overlay).not.toBe('NetworkPolicy');
    const [policy] = load(`${overlayPath(overlay)}/egress.yaml`) as [NetworkPolicy];
    expect(policy.metadata.name).toBe('email-dispatcher-egress');
  });

  it('reaches a Kafka outside the cluster by an address block (production: managed brokers)', () => {
    const [policy] = load(`${overlayPath('production')}/egress.yaml`) as [NetworkPolicy];
    const blocks = policy.spec.egress.flatMap((r) => r.to ?? []).flatMap((peer) => (peer.ipBlock ? [peer.ipBlock.cidr] : []));
    expect(blocks.length).toBeGreaterThan(0);
    for (const cidr of blocks) expect(cidr).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
  });
});

describe.skipIf(!kubectl)('deploy/k8s › the base and each overlay', () => {
  const known = new Set(configEnvNames());
  for (const t of kubectl ? renderedTargets() : []) {
    describe(t.name, () => {
      it('sets in the ConfigMap only variables the service reads, every required one, and a valid configuration', () => {
        expect(Object.keys(t.configMap.data).filter((name) => !known.has(name))).toEqual([]);
        for (const name of REQUIRED_ENV) expect(t.configMap.data, name).toHaveProperty(name);
        expect(t.config.kafka.brokers.length).toBeGreaterThan(0);
      });

      it('gives the container only service variables and NODE_OPTIONS, and every secret as a file or a Secret reference', () => {
        expect((t.container.env ?? []).map((e) => e.name).filter((name) => !known.has(name) && name !== 'NODE_OPTIONS')).toEqual([]);
        expect(t.container.envFrom).toEqual([{ configMapRef: { name: t.configMap.metadata.name } }]);
        for (const secret of ['SMTP_PASS', 'KAFKA_SASL_PASSWORD', 'IDEMPOTENCY_REDIS_URL']) {
          expect(t.configMap.data).not.toHaveProperty(secret);
          expect(t.container.env?.find((e) => e.name === secret)).toBeUndefined();
        }
        expect(t.env.SMTP_PASS_FILE).toBeDefined();
      });

      it('caps the V8 heap (NODE_OPTIONS) at 60 % of the memory limit', () => {
        const heap = Number(/--max-old-space-size=(\d+)/.exec(t.env.NODE_OPTIONS ?? '')?.[1]);
        expect(heap).toBe(Math.floor(mebibytes(t.container.resources?.limits?.memory ?? '') * 0.6));
      });

      it('keeps the whole V8 heap (old and young generation, as this Node sizes them for NODE_OPTIONS) within 75 % of the memory limit', () => {
        // Node 24's V8 sizes the young generation at 3 × 64 MiB semi-spaces where Node 20's takes 3 × 16:
        // with the old-space flag alone the heap may grow to 384 MiB under a 320Mi limit.
        const flags = (t.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
        const out = execFileSync(process.execPath, [...flags, '-p', 'require("node:v8").getHeapStatistics().heap_size_limit'], { encoding: 'utf8' });
        const heapLimitMiB = Number(out.trim()) / 2 ** 20;
        expect(heapLimitMiB, `V8 heap limit on Node ${process.version}`).toBeLessThanOrEqual(mebibytes(t.container.resources?.limits?.memory ?? '') * 0.75);
      });

      it('gives the graceful shutdown (SHUTDOWN_TIMEOUT_MS) at least 5 s of margin before SIGKILL', () => {
        expect((t.pod.spec.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(t.config.shutdownTimeoutMs + 5_000);
      });

      it('probes /livez (startup, liveness) and /readyz (readiness) on the metrics port = HTTP_PORT', () => {
        expect(t.container.ports).toEqual([expect.objectContaining({ name: 'metrics', containerPort: t.config.http.port })]);
        expect(t.container.startupProbe?.httpGet).toEqual({ path: '/livez', port: 'metrics' });
        expect(t.container.livenessProbe?.httpGet).toEqual({ path: '/livez', port: 'metrics' });
        expect(t.container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
      });

      it('leaves the replica count to KEDA', () => {
        expect(t.deployment.spec.replicas).toBeUndefined();
        expect(t.scaledObject.spec.scaleTargetRef.name).toBe(t.deployment.metadata.name);
      });

      it('runs locked down (non-root, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp)', () => {
        expectLockedDown(t.pod);
      });

      it('spreads the pods over zones and over nodes, never refusing to schedule for it', () => {
        const constraints = t.pod.spec.topologySpreadConstraints ?? [];
        expect(constraints.map((c) => c.topologyKey).sort()).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
        for (const c of constraints) {
          expect(c.whenUnsatisfiable).toBe('ScheduleAnyway');
          expect(c.labelSelector.matchLabels).toEqual(t.deployment.spec.selector.matchLabels);
        }
      });

      it('lets a drain evict one pod at a time, unready ones always (PodDisruptionBudget)', () => {
        const pdb = one<
          KubernetesObject & { spec: { maxUnavailable: number; unhealthyPodEvictionPolicy: string; selector: { matchLabels: Record<string, string> } } }
        >(t.objects, 'PodDisruptionBudget');
        expect(pdb.spec).toMatchObject({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: t.deployment.spec.selector });
      });

      it('is scraped on the metrics port by the PodMonitor, as job="email-dispatcher" like in compose', () => {
        const monitor = one<
          KubernetesObject & {
            spec: { jobLabel: string; selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: Array<{ port: string; path: string }> };
          }
        >(t.objects, 'PodMonitor');
        expect(monitor.spec.selector).toEqual(t.deployment.spec.selector);
        expect(monitor.spec.podMetricsEndpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
        expect(t.pod.metadata.labels[monitor.spec.jobLabel]).toBe('email-dispatcher');
      });

      describe('NetworkPolicy', () => {
        const policies = t.objects.filter((o): o is NetworkPolicy => o.kind === 'NetworkPolicy');
        const base = one<NetworkPolicy>(policies, 'NetworkPolicy', 'email-dispatcher');
        const egress = one<NetworkPolicy>(policies, 'NetworkPolicy', 'email-dispatcher-egress');
        type EgressRule = NetworkPolicy['spec']['egress'][number];
        const portsOf = (rules: EgressRule[]) =>
          rules
            .flatMap((r) => r.ports ?? [])
            .map((p) => `${p.port}/${p.protocol}`)
            .sort();
        const toNamespace = (ns: string) => (r: EgressRule) =>
          r.to?.some((peer) => peer.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === ns) ?? false;
        const toAddressBlock = (r: EgressRule) => r.to?.some((peer) => peer.ipBlock !== undefined) ?? false;
        const smtpPorts = [t.config.smtp.port, ...(t.config.smtpFallback.host === '' ? [] : [t.config.smtpFallback.port])].map((p) => `${p}/TCP`);
        const kafkaPorts = [...new Set(t.config.kafka.brokers.map((b) => `${b.split(':').at(-1)}/TCP`))].sort();

        it("selects the service's pods and the redrive Job's, both ways", () => {
          for (const policy of policies) {
            expect(policy.spec.podSelector.matchExpressions).toEqual([
              { key: 'app.kubernetes.io/name', operator: 'In', values: ['email-dispatcher', 'email-dispatcher-dlq-redrive'] },
            ]);
          }
          expect(base.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
          expect(egress.spec.policyTypes).toEqual(['Egress']);
        });

        it('lets in only Prometheus, only on the metrics port', () => {
          expect(base.spec.ingress).toHaveLength(1);
          expect(base.spec.ingress[0]?.ports).toEqual([{ port: 'metrics', protocol: 'TCP' }]);
          expect(base.spec.ingress[0]?.from?.[0]?.podSelector?.matchLabels).toEqual({ 'app.kubernetes.io/name': 'prometheus' });
        });

        it('lets out DNS, and in the egress policy the ports of KAFKA_BROKERS, SMTP_PORT and SMTP_FALLBACK_PORT (with a fallback relay), and Redis', () => {
          expect(portsOf(base.spec.egress)).toEqual(['53/TCP', '53/UDP']);
          expect(base.spec.egress.every(toNamespace('kube-system'))).toBe(true);
          const kafka = egress.spec.egress.filter((r) => toNamespace('kafka')(r) || toAddressBlock(r));
          expect(kafka).toHaveLength(1);
          expect(portsOf(kafka)).toEqual(kafkaPorts);
          expect(portsOf(egress.spec.egress.filter((r) => r.to === undefined))).toEqual([...new Set(smtpPorts)].sort());
          expect(portsOf(egress.spec.egress.filter(toNamespace('redis')))).toHaveLength(1);
          expect(egress.spec.egress).toHaveLength(3);
        });
      });
    });
  }
});
