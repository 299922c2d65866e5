import { expect } from 'vitest';

import type { PodTemplate } from './manifest-types.js';

/**
 * The pod runs locked down: non-root uid 10001, RuntimeDefault seccomp, no service-account token;
 * its first container has a read-only root with /tmp the only writable path (an emptyDir), no
 * privilege escalation, no capabilities, and requests and a memory limit.
 */
export function expectLockedDown(template: PodTemplate): void {
  const container = template.spec.containers[0];
  expect(template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
  expect(container?.securityContext).toMatchObject({
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
  });
  expect(template.spec.automountServiceAccountToken).toBe(false);
  const tmp = container?.volumeMounts?.find((m) => m.mountPath === '/tmp');
  expect(template.spec.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
  expect(container?.resources?.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
  expect(container?.resources?.limits).toEqual(expect.objectContaining({ memory: expect.any(String) }));
}
