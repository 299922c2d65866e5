import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ConfigMap, Container, PodSpec } from './manifest-types.js';

/**
 * The environment a rendered container starts with: its ConfigMaps' data, then its `env`, with a
 * stand-in for each value from a Secret. A value that names a file in a mounted Secret volume
 * (SMTP_PASS_FILE, KAFKA_SSL_CA_FILE…) must be one of that volume's items on a read-only mount
 * (else this throws, naming the variable); it is replaced by a stand-in file, so that loadConfig,
 * which reads those files, can run on it.
 */
export function containerEnvironment(pod: PodSpec, container: Container, configMaps: readonly ConfigMap[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name;
    const configMap = configMaps.find((c) => c.metadata.name === name);
    if (!configMap) throw new Error(`envFrom names ConfigMap "${String(name)}", which is not in the render`);
    Object.assign(env, configMap.data);
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    env[variable.name] = variable.value ?? (ref ? `stand-in for ${ref.name}/${ref.key}` : '');
  }
  const standIns = mkdtempSync(join(tmpdir(), 'container-environment-'));
  for (const [name, value] of Object.entries(env)) {
    const mount = container.volumeMounts?.find((m) => value.startsWith(`${m.mountPath}/`));
    const volume = pod.volumes?.find((v) => v.name === mount?.name);
    if (!mount || !volume?.secret) continue;
    const file = value.slice(mount.mountPath.length + 1);
    if (!volume.secret.items?.some((item) => item.path === file))
      throw new Error(`${name}=${value}: the Secret ${volume.secret.secretName} mounted at ${mount.mountPath} has no item "${file}"`);
    if (mount.readOnly !== true) throw new Error(`${name}=${value}: the Secret volume at ${mount.mountPath} is not mounted read-only`);
    env[name] = join(standIns, name);
    writeFileSync(env[name], 'stand-in\n');
  }
  return env;
}
