import { describe, expect, it } from 'vitest';
import { parseRedriveArgs } from '../../../src/redrive/redrive-options.js';
import { expectLockedDown } from '../../support/deploy/expect-locked-down.js';
import { KUBECTL_MISSING, OVERLAYS, kubectl, kustomize, one, overlayPath, redrivePath } from '../../support/deploy/kustomize.js';
import type { Container, Deployment, Job } from '../../support/deploy/manifest-types.js';

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

    it("runs the Deployment's image with its environment, secrets, mounts and resources, in its namespace", () => {
      expect(job?.metadata.namespace).toBe(deployment?.metadata.namespace);
      expect(jobContainer.image).toBe(service.image);
      for (const field of ['env', 'envFrom', 'volumeMounts', 'resources'] as const) expect(jobContainer[field], field).toEqual(service[field]);
      expect(jobPod?.volumes).toEqual(deployment?.spec.template.spec.volumes);
      expect(jobPod?.serviceAccountName).toBe(deployment?.spec.template.spec.serviceAccountName);
    });

    it('runs the redrive CLI once, never retried by Kubernetes', () => {
      expect(job?.spec.backoffLimit).toBe(0);
      expect(jobPod?.restartPolicy).toBe('Never');
      expect(jobContainer.command).toEqual(['node', 'dist/cmd/redrive.js']);
    });

    it('passes arguments the redrive CLI accepts: a dry run of one reason in one window, rate-limited', () => {
      const options = parseRedriveArgs(jobContainer.args ?? []);
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
