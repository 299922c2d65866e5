import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REQUIRED_ENV, configEnvNames, loadConfig } from '../../../src/platform/config.js';
import { parseRedriveArgs } from '../../../src/redrive/redrive-options.js';
import { validateKubernetesObject, type KubernetesObject } from '../../support/deploy/kubernetes-schemas.js';
import { ROOT, findExecutable, parseEnvFile, parseYamlDocuments, readText, readYaml, run } from '../../support/deploy/repo-files.js';

// Only the fields these tests read; the schemas check the rest.
interface Probe { httpGet: { path: string; port: string | number } }
interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  restartPolicy?: string;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  volumes?: Array<{ name: string; emptyDir?: object; secret?: { secretName: string; items?: Array<{ key: string; path: string }> } }>;
}
interface PodTemplate { metadata: { labels: Record<string, string> }; spec: PodSpec }

const K8S = 'deploy/k8s/';
const kustomization = readYaml<{
  resources: string[];
  configMapGenerator: Array<{ name: string; envs: string[]; options?: { disableNameSuffixHash?: boolean } }>;
  images: Array<{ name: string; newTag: string }>;
}>(`${K8S}kustomization.yaml`);

const load = (path: string) => parseYamlDocuments<KubernetesObject>(readText(path), path);
const base = kustomization.resources.flatMap((file) => load(K8S + file));
const one = <T extends KubernetesObject>(objects: KubernetesObject[], kind: string): T => {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0] as T;
};

const deployment = one<KubernetesObject & { spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: PodTemplate } }>(base, 'Deployment');
const pod = deployment.spec.template;
const container = pod.spec.containers[0] as Container;
const scaledObject = one<KubernetesObject & {
  spec: { scaleTargetRef: { name: string }; minReplicaCount: number; maxReplicaCount: number; triggers: Array<{ type: string; metadata: Record<string, string> }> };
}>(base, 'ScaledObject');
const job = one<KubernetesObject & { spec: { backoffLimit: number; template: PodTemplate } }>(load(`${K8S}jobs/dlq-redrive.yaml`), 'Job');
const jobContainer = job.spec.template.spec.containers[0] as Container;

const generator = kustomization.configMapGenerator[0];
const configEnv = parseEnvFile(readText(K8S + (generator?.envs[0] ?? 'config.env')));
// What the container sees, with the Secret's values stood in for (the password arrives as a file).
const config = loadConfig({ ...configEnv, SMTP_USER: 'user', SMTP_PASS: 'placeholder' });
const partitions = Number(readYaml<{ 'x-topics': { partitions: string } }>('docker-compose.yml')['x-topics'].partitions);
const knownEnv = new Set(configEnvNames());

/** Every YAML manifest under deploy/k8s, in the base or not (jobs, the example Secret). */
function allManifestFiles(dir = K8S): string[] {
  return readdirSync(ROOT + dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return allManifestFiles(`${dir}${entry.name}/`);
    return /\.ya?ml$/.test(entry.name) && entry.name !== 'kustomization.yaml' ? [dir + entry.name] : [];
  });
}

describe('deploy/k8s › schemas', () => {
  it.each(allManifestFiles())('%s validates against its Kubernetes schema', (file) => {
    const objects = load(file);
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) validateKubernetesObject(object);
  });

  it('keeps the example Secret and the redrive Job out of the base', () => {
    expect(kustomization.resources).not.toContain('secret.example.yaml');
    expect(kustomization.resources.some((r) => r.startsWith('jobs'))).toBe(false);
    expect(base.map((o) => o.kind).sort()).toEqual(['Deployment', 'PodDisruptionBudget', 'PodMonitor', 'PrometheusRule', 'ScaledObject', 'ServiceAccount']);
  });

  it('has only placeholders in the example Secret', () => {
    const secret = one<KubernetesObject & { stringData: Record<string, string> }>(load(`${K8S}secret.example.yaml`), 'Secret');
    for (const value of Object.values(secret.stringData)) expect(value).toMatch(/^REPLACE_WITH_/);
  });
});

const kubectl = findExecutable('kubectl');
describe.skipIf(!kubectl)(`deploy/k8s › kubectl kustomize${kubectl ? '' : ' (SKIPPED: kubectl not on PATH)'}`, () => {
  it('renders, and every rendered object validates', () => {
    const rendered = parseYamlDocuments<KubernetesObject>(run(kubectl as string, ['kustomize', K8S]), 'kubectl kustomize');
    for (const object of rendered) validateKubernetesObject(object);
    expect(rendered.map((o) => o.kind).sort()).toEqual(['ConfigMap', ...base.map((o) => o.kind)].sort());
    const configMap = one<KubernetesObject & { data: Record<string, string> }>(rendered, 'ConfigMap');
    expect(configMap.data).toEqual(configEnv);
    // The redrive Job refers to the ConfigMap by this exact name (no hash suffix).
    expect(configMap.metadata.name).toBe(generator?.name);
    const renderedDeployment = one<typeof deployment>(rendered, 'Deployment');
    expect(renderedDeployment.spec.template.spec.containers[0]?.image).toBe(jobContainer.image);
  });
});
if (!kubectl) console.warn('SKIPPED kustomize render: kubectl is not on PATH (it comes with the machine image; see deploy/ci-packages.txt)');

describe('deploy/k8s › configuration', () => {
  it('sets in the ConfigMap only variables the service reads, and every required one', () => {
    expect(Object.keys(configEnv).filter((name) => !knownEnv.has(name))).toEqual([]);
    for (const name of REQUIRED_ENV) expect(configEnv, name).toHaveProperty(name);
  });

  it('passes the config validation the service runs at start', () => {
    expect(config.kafka.brokers.length).toBeGreaterThan(0);
  });

  it.each([
    ['Deployment', container],
    ['redrive Job', jobContainer],
  ])('%s: sets only variables the service reads and takes the rest from the ConfigMap', (_what, c) => {
    expect((c.env ?? []).map((e) => e.name).filter((name) => !knownEnv.has(name))).toEqual([]);
    expect(c.envFrom).toEqual([{ configMapRef: { name: generator?.name } }]);
  });

  it('passes the SMTP password as a file from the Secret volume, never as a variable', () => {
    const env = new Map((container.env ?? []).map((e) => [e.name, e]));
    expect(env.has('SMTP_PASS')).toBe(false);
    expect(configEnv).not.toHaveProperty('SMTP_PASS');
    const passFile = env.get('SMTP_PASS_FILE')?.value ?? '';
    const mount = container.volumeMounts?.find((m) => passFile.startsWith(`${m.mountPath}/`));
    expect(mount?.readOnly).toBe(true);
    const volume = pod.spec.volumes?.find((v) => v.name === mount?.name);
    expect(volume?.secret?.items).toContainEqual({ key: 'password', path: passFile.slice((mount?.mountPath.length ?? 0) + 1) });
    expect(env.get('SMTP_USER')?.valueFrom?.secretKeyRef).toEqual({ name: volume?.secret?.secretName, key: 'username' });
    const secret = one<KubernetesObject & { stringData: Record<string, string> }>(load(`${K8S}secret.example.yaml`), 'Secret');
    expect(secret.metadata.name).toBe(volume?.secret?.secretName);
    expect(Object.keys(secret.stringData).sort()).toEqual(['password', 'username']);
  });
});

describe('deploy/k8s › Deployment', () => {
  it('gives the graceful shutdown (SHUTDOWN_TIMEOUT_MS) at least 5 s of margin before SIGKILL', () => {
    expect((pod.spec.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(config.shutdownTimeoutMs + 5_000);
  });

  it('probes /livez (startup, liveness) and /readyz (readiness) on the metrics port = HTTP_PORT', () => {
    expect(container.ports).toEqual([expect.objectContaining({ name: 'metrics', containerPort: config.http.port })]);
    expect(container.startupProbe?.httpGet).toEqual({ path: '/livez', port: 'metrics' });
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/livez', port: 'metrics' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
  });

  it('leaves the replica count to KEDA', () => {
    expect(deployment.spec.replicas).toBeUndefined();
    expect(scaledObject.spec.scaleTargetRef.name).toBe(deployment.metadata.name);
  });

  it.each([
    ['Deployment', pod],
    ['redrive Job', job.spec.template],
  ])('%s: runs locked down (non-root, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp)', (_what, template) => {
    const c = template.spec.containers[0] as Container;
    expect(template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(template.spec.automountServiceAccountToken).toBe(false);
    // The only writable path.
    const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
    expect(template.spec.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    expect(c.resources?.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
    expect(c.resources?.limits).toEqual(expect.objectContaining({ memory: expect.any(String) }));
  });

  it('is covered by the PodDisruptionBudget (one pod at a time) and the PodMonitor (metrics port)', () => {
    const labels = pod.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    const pdb = one<KubernetesObject & { spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } } }>(base, 'PodDisruptionBudget');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(labels);
    const monitor = one<KubernetesObject & { spec: { jobLabel: string; selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: Array<{ port: string; path: string }> } }>(base, 'PodMonitor');
    expect(monitor.spec.selector.matchLabels).toEqual(labels);
    expect(monitor.spec.podMetricsEndpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
    // The alert rules select job="email-dispatcher", as the compose scrape job is named.
    expect(labels[monitor.spec.jobLabel]).toBe('email-dispatcher');
  });

  it('is the container the crash-loop alert watches', () => {
    expect(readText('deploy/prometheus/rules/email-dispatcher.yml')).toContain(`kube_pod_container_status_restarts_total{container="${container.name}"}`);
  });
});

describe('deploy/k8s › KEDA ScaledObject', () => {
  const trigger = scaledObject.spec.triggers[0];

  it('never runs more consumers than the topic has partitions', () => {
    expect(scaledObject.spec.maxReplicaCount).toBeLessThanOrEqual(partitions);
    expect(scaledObject.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
  });

  it("measures the service's own group and topic on the same brokers", () => {
    expect(scaledObject.spec.triggers).toHaveLength(1);
    expect(trigger?.type).toBe('kafka');
    expect(trigger?.metadata).toMatchObject({
      bootstrapServers: config.kafka.brokers.join(','),
      consumerGroup: config.kafka.groupId,
      topic: config.kafka.topic,
    });
  });

  it('counts a partition without a committed offset the way the consumer reads it, and wakes no idle consumers', () => {
    expect(trigger?.metadata.offsetResetPolicy).toBe(config.kafka.fromBeginning ? 'earliest' : 'latest');
    expect(trigger?.metadata.allowIdleConsumers).toBe('false');
  });
});

describe('deploy/k8s/jobs/dlq-redrive.yaml', () => {
  it('runs the redrive CLI once, dry-run unless edited, with the service image', () => {
    expect(job.metadata.generateName).toMatch(/-$/);
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(jobContainer.command).toEqual(['node', 'dist/cmd/redrive.js']);
    expect(jobContainer.args).toContain('--dry-run');
    const image = kustomization.images.find((i) => i.name === container.image);
    expect(jobContainer.image).toBe(`${container.image}:${image?.newTag}`);
    expect(generator?.options?.disableNameSuffixHash).toBe(true);
  });

  it('passes arguments the redrive CLI accepts: a dry run of one reason in one window, rate-limited', () => {
    const options = parseRedriveArgs(jobContainer.args ?? []);
    expect(options).toMatchObject({ dryRun: true, limit: expect.any(Number), ratePerSecond: expect.any(Number), help: false });
    expect(options.ratePerSecond).toBeGreaterThan(0);
    expect(options.selection.reasons).toHaveLength(1);
    expect(options.selection.since).toBeInstanceOf(Date);
    expect(options.selection.until).toBeInstanceOf(Date);
  });
});
