import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { loadWelcomeTemplates } from '../../../src/email/templates/load-welcome-templates.js';
import type { KubernetesObject } from '../../support/deploy/kubernetes-schemas.js';
import { BASE, kubectl, KUBECTL_MISSING, kustomize, one } from '../../support/deploy/kustomize.js';
import type { ConfigMap, PodTemplate } from '../../support/deploy/manifest-types.js';
import { readYaml, ROOT } from '../../support/deploy/repo-files.js';

/** deploy/k8s/components/email-templates: the operator's templates as a ConfigMap, mounted at EMAIL_TEMPLATES_DIR. */
const COMPONENT = 'deploy/k8s/components/email-templates';
const filesOf = (dir: string): string[] =>
  readdirSync(ROOT + dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(path.join(ROOT + dir, f)).isFile())
    .sort();

interface ConfigMapVolume {
  name: string;
  configMap?: { name: string; items?: Array<{ key: string; path: string }> };
}

describe(`${COMPONENT}`, () => {
  const { configMapGenerator } = readYaml<{ configMapGenerator: Array<{ name: string; files?: string[] }> }>(`${COMPONENT}/kustomization.yaml`);

  it('lists every file of its templates/ folder, under a flat key', () => {
    const listed = configMapGenerator.find((g) => g.name === 'email-dispatcher-templates')?.files ?? [];
    expect(listed.map((entry) => entry.split('=')[1]).sort()).toEqual(filesOf(`${COMPONENT}/templates`).map((f) => `templates/${f}`));
    for (const entry of listed) expect(entry.split('=')[0]).toBe((entry.split('=')[1] as string).slice('templates/'.length).replace(/\//g, '.'));
  });

  it('holds templates the service accepts (they are checked and compiled at start)', () => {
    expect(loadWelcomeTemplates({ dir: `${ROOT}${COMPONENT}/templates`, defaultLocale: 'en', vars: {} }).locales).toEqual(
      expect.arrayContaining(['de', 'en', 'es', 'fa', 'fr', 'ja', 'pt-BR']),
    );
  });

  describe.skipIf(!kubectl)(`in an overlay${kubectl ? '' : ` (${KUBECTL_MISSING})`}`, () => {
    // An overlay of the base with the component, inside the checkout (kustomize reads files only below a kustomization).
    const overlay = mkdtempSync(path.join(ROOT, '.local', 'templates-overlay-'));
    afterAll(() => rmSync(overlay, { recursive: true, force: true }));
    writeFileSync(
      path.join(overlay, 'kustomization.yaml'),
      `resources:\n  - ${path.relative(overlay, ROOT + BASE)}\ncomponents:\n  - ${path.relative(overlay, ROOT + COMPONENT)}\n`,
    );
    const objects = kubectl ? kustomize(path.relative(ROOT, overlay)) : [];
    const deployment = () => one<KubernetesObject & { spec: { template: PodTemplate } }>(objects, 'Deployment');
    const configMaps = () => objects.filter((o): o is ConfigMap => o.kind === 'ConfigMap');

    it('mounts the templates read-only where EMAIL_TEMPLATES_DIR points, by the ConfigMap\u2019s hashed name (a change rolls the pods)', () => {
      const settings = configMaps().find((c) => c.metadata.name.startsWith('email-dispatcher-config-'));
      const container = deployment().spec.template.spec.containers[0];
      const mount = container?.volumeMounts?.find((m) => m.name === 'email-templates');
      expect(mount).toEqual({ name: 'email-templates', mountPath: settings?.data.EMAIL_TEMPLATES_DIR, readOnly: true });
      const volume = (deployment().spec.template.spec.volumes as ConfigMapVolume[] | undefined)?.find((v) => v.name === 'email-templates');
      expect(volume?.configMap?.name).toMatch(/^email-dispatcher-templates-[a-z0-9]{10}$/);
    });

    it('gives the pod, once mounted, a folder the service accepts: every key of the ConfigMap in its place', () => {
      const volume = (deployment().spec.template.spec.volumes as ConfigMapVolume[]).find((v) => v.name === 'email-templates') as ConfigMapVolume;
      const data = configMaps().find((c) => c.metadata.name === volume.configMap?.name)?.data ?? {};
      const items = volume.configMap?.items ?? [];
      expect(items.map((i) => i.key).sort()).toEqual(Object.keys(data).sort());
      const mounted = mkdtempSync(path.join(overlay, 'mounted-'));
      for (const { key, path: file } of items) {
        mkdirSync(path.dirname(path.join(mounted, file)), { recursive: true });
        writeFileSync(path.join(mounted, file), data[key] as string);
      }
      expect(filesOf(path.relative(ROOT, mounted))).toEqual(filesOf(`${COMPONENT}/templates`));
      expect(
        loadWelcomeTemplates({ dir: mounted, defaultLocale: 'en', vars: {} }).render({ name: 'Ada', email: 'ada@example.test', locale: 'fa' }).html,
      ).toContain('<html dir="rtl" lang="fa">');
    });
  });
});
