import type { KubernetesObject } from './kubernetes-schemas.js';
import { findExecutable, parseYamlDocuments, run } from './repo-files.js';

/** The kustomize base, and the overlays that deploy it (each is also rendered as a redrive Job). */
export const BASE = 'deploy/k8s/base';
export const OVERLAYS = ['staging', 'production'] as const;
export type Overlay = (typeof OVERLAYS)[number];
export const overlayPath = (overlay: Overlay) => `deploy/k8s/overlays/${overlay}`;
export const redrivePath = (overlay: Overlay) => `deploy/k8s/redrive/${overlay}`;

/** kubectl, which bundles kustomize v5; undefined when it is not on PATH (the tests that need it say SKIPPED). */
export const kubectl = findExecutable('kubectl');
export const KUBECTL_MISSING = 'SKIPPED: kubectl not on PATH (it comes with the machine image; see deploy/ci-packages.txt)';

const rendered = new Map<string, KubernetesObject[]>();

/** What `kubectl kustomize <dir>` prints, as objects; each directory is rendered once per test file. */
export function kustomize(dir: string): KubernetesObject[] {
  let objects = rendered.get(dir);
  if (!objects) {
    if (!kubectl) throw new Error(KUBECTL_MISSING);
    objects = parseYamlDocuments<KubernetesObject>(run(kubectl, ['kustomize', dir]), `kubectl kustomize ${dir}`);
    rendered.set(dir, objects);
  }
  return objects;
}

/** The one object of this kind (and name, if given); throws when there is none or more than one. */
export function one<T extends KubernetesObject>(objects: readonly KubernetesObject[], kind: string, name?: string): T {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0] as T;
}
