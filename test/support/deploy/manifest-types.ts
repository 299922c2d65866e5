import type { KubernetesObject } from './kubernetes-schemas.js';

// Only the fields the deploy tests read; the schemas (kubernetes-schemas.ts) check the rest.

export interface Probe {
  httpGet: { path: string; port: string | number };
}
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}
export interface Volume {
  name: string;
  emptyDir?: object;
  secret?: { secretName: string; items?: Array<{ key: string; path: string }> };
}

export interface Container {
  name: string;
  image?: string;
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
  volumeMounts?: VolumeMount[];
}

export interface TopologySpreadConstraint {
  topologyKey: string;
  whenUnsatisfiable: string;
  labelSelector: { matchLabels: Record<string, string> };
}

export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  restartPolicy?: string;
  securityContext?: Record<string, unknown>;
  topologySpreadConstraints?: TopologySpreadConstraint[];
  containers: Container[];
  volumes?: Volume[];
}

export interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: PodSpec;
}

export type Deployment = KubernetesObject & { spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: PodTemplate } };
export type Job = KubernetesObject & { spec: { backoffLimit: number; template: PodTemplate } };
export type ConfigMap = KubernetesObject & { data: Record<string, string> };

export interface ScaledObjectTrigger {
  type: string;
  name?: string;
  metricType?: string;
  metadata: Record<string, string>;
  authenticationRef?: { name: string };
}
export type ScaledObject = KubernetesObject & {
  spec: {
    scaleTargetRef: { name: string };
    minReplicaCount: number;
    maxReplicaCount: number;
    cooldownPeriod?: number;
    fallback?: { failureThreshold: number; replicas: number; behavior?: string };
    triggers: ScaledObjectTrigger[];
  };
};
export type TriggerAuthentication = KubernetesObject & { spec: { secretTargetRef: Array<{ parameter: string; name: string; key: string }> } };

export interface NetworkPolicyPeer {
  namespaceSelector?: { matchLabels: Record<string, string> };
  podSelector?: { matchLabels: Record<string, string> };
  ipBlock?: { cidr: string; except?: string[] };
}
export interface NetworkPolicyRule {
  to?: NetworkPolicyPeer[];
  from?: NetworkPolicyPeer[];
  ports?: Array<{ port: number | string; protocol: string }>;
}
export type NetworkPolicy = KubernetesObject & {
  spec: {
    podSelector: { matchExpressions: Array<{ key: string; operator: string; values: string[] }> };
    policyTypes: string[];
    ingress: NetworkPolicyRule[];
    egress: NetworkPolicyRule[];
  };
};

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export type PrometheusRule = KubernetesObject & { spec: { groups: Array<{ name: string; rules: Rule[] }> } };
