import { loadConfig } from '../../../src/platform/config/config.js';
import type { Config } from '../../../src/platform/config/schema.js';
import { containerEnvironment } from './container-environment.js';
import type { KubernetesObject } from './kubernetes-schemas.js';
import { BASE, kustomize, one, overlayPath, OVERLAYS } from './kustomize.js';
import type { ConfigMap, Container, Deployment, PodTemplate, ScaledObject } from './manifest-types.js';

/** One deployable render (the base, or an overlay) and the parts of it most tests look at. */
export interface RenderedTarget {
  name: string;
  dir: string;
  objects: KubernetesObject[];
  deployment: Deployment;
  pod: PodTemplate;
  container: Container;
  configMap: ConfigMap;
  scaledObject: ScaledObject;
  /** What the service's container starts with (containerEnvironment), and the config it loads from it. */
  env: Record<string, string>;
  config: Config;
}

/** The base and every overlay, rendered with kubectl kustomize (call only where kubectl is present). */
export function renderedTargets(): RenderedTarget[] {
  return [{ name: 'base', dir: BASE }, ...OVERLAYS.map((overlay) => ({ name: `overlay ${overlay}`, dir: overlayPath(overlay) }))].map(({ name, dir }) => {
    const objects = kustomize(dir);
    const deployment = one<Deployment>(objects, 'Deployment', 'email-dispatcher');
    const pod = deployment.spec.template;
    const container = pod.spec.containers[0] as Container;
    const configMaps = objects.filter((o): o is ConfigMap => o.kind === 'ConfigMap');
    const env = containerEnvironment(pod.spec, container, configMaps);
    return {
      name,
      dir,
      objects,
      deployment,
      pod,
      container,
      configMap: one<ConfigMap>(
        configMaps.filter((c) => c.metadata.name.startsWith('email-dispatcher-config-')),
        'ConfigMap',
      ),
      scaledObject: one<ScaledObject>(objects, 'ScaledObject', 'email-dispatcher'),
      env,
      config: loadConfig(env),
    };
  });
}
