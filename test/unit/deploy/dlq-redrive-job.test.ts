import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../../src/platform/config/config.js';
import { parseRedriveArgs } from '../../../src/redrive/redrive-options.js';
import { containerEnvironment } from '../../support/deploy/container-environment.js';
import { expectLockedDown } from '../../support/deploy/expect-locked-down.js';
import { kubectl, KUBECTL_MISSING, kustomize, one, overlayPath, OVERLAYS, redrivePath } from '../../support/deploy/kustomize.js';
import type { ConfigMap, Container, Deployment, Job, PodSpec } from '../../support/deploy/manifest-types.js';

describe.skipIf(!kubectl)(`deploy/k8s/redrive › the DLQ redrive Job${kubectl ? '' : ` (${KUBECTL_MISSING})`}`, () => {
  describe.each(OVERLAYS)('for overlay %s', (overlay) => {
    const rendered = kubectl ? kustomize(redrivePath(overlay)) : [];
    const job = kubectl ? one<Job>(rendered, 'Job') : undefined;
    const deployment = kubectl ? one<Deployment>(kustomize(overlayPath(overlay)), 'Deployment') : undefined;
    const jobPod = job?.spec.template.spec;
    const jobContainer = jobPod?.containers[0] as Container;
    const service = deployment?.spec.template.spec.containers[0] as Container;

    it('renders the Job alone: the rest of the overlay was applied with it', () => {
      expect(rendered.map((o) => o.kind)).toEqual(['Job']);
    });

    it("runs the Deployment's image with its ConfigMap and resources, in its namespace", () => {
      expect(job?.metadata.namespace).toBe(deployment?.metadata.namespace);
      expect(jobContainer.image).toBe(service.image);
      for (const field of ['envFrom', 'resources'] as const) expect(jobContainer[field], field).toEqual(service[field]);
      expect(jobPod?.serviceAccountName).toBe(deployment?.spec.template.spec.serviceAccountName);
    });

    it("mounts only what the redrive reads (Kafka's credentials, /tmp), never the SMTP credentials, and its configuration loads as the CLI loads it", () => {
      const needed = new Set(['tmp', 'kafka-credentials']);
      expect(jobPod?.volumes?.map((v) => v.name).filter((name) => !needed.has(name))).toEqual([]);
      expect(jobContainer.volumeMounts?.map((m) => m.name).filter((name) => !needed.has(name))).toEqual([]);
      expect((jobContainer.env ?? []).map((e) => e.name).filter((name) => name.startsWith('SMTP_') || name.startsWith('DKIM_'))).toEqual([]);
      // Every Kafka variable of the Deployment, the same way (a Secret reference, a file of the same Secret).
      const kafkaEnv = (c: Container) => (c.env ?? []).filter((e) => e.name.startsWith('KAFKA_') || e.name === 'NODE_OPTIONS');
      expect(kafkaEnv(jobContainer)).toEqual(kafkaEnv(service));
      for (const volume of jobPod?.volumes ?? []) expect(deployment?.spec.template.spec.volumes).toContainEqual(volume);
      const configMaps = kubectl ? kustomize(overlayPath(overlay)).filter((o): o is ConfigMap => o.kind === 'ConfigMap') : [];
      // cmd/redrive.ts: loadConfig with inert SMTP placeholders; every *_FILE must be a mounted file.
      const env = containerEnvironment(jobPod as PodSpec, jobContainer, configMaps);
      expect(() => loadConfig({ SMTP_HOST: 'unused.invalid', EMAIL_FROM: 'redrive@unused.invalid', ...env })).not.toThrow();
    });

    it("runs the redrive CLI once, under the image's tini (args only, no command), never retried by Kubernetes", () => {
      expect(job?.spec.backoffLimit).toBe(0);
      expect(jobPod?.restartPolicy).toBe('Never');
      // `command` would replace the image's ENTRYPOINT (tini): no signal forwarding, no reaping.
      expect(jobContainer.command).toBeUndefined();
      expect(jobContainer.args?.slice(0, 2)).toEqual(['node', 'dist/cmd/redrive.js']);
    });

    it('passes arguments the redrive CLI accepts: a dry run of one reason in one window, rate-limited', () => {
      const options = parseRedriveArgs(jobContainer.args?.slice(2) ?? []);
      expect(options).toMatchObject({ dryRun: true, limit: expect.any(Number), ratePerSecond: expect.any(Number), help: false });
      expect(options.ratePerSecond).toBeGreaterThan(0);
      expect(options.selection.reasons).toHaveLength(1);
      expect(options.selection.since).toBeInstanceOf(Date);
      expect(options.selection.until).toBeInstanceOf(Date);
    });

    it('runs locked down (non-root, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp)', () => {
      if (job) expectLockedDown(job.spec.template);
    });
  });
});
