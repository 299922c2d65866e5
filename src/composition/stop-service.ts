import { runShutdownSteps } from '../platform/shutdown-steps.js';
import type { Readiness } from '../readiness/readiness.js';
import { type ShutdownParts, shutdownPlan } from './shutdown-plan.js';

/**
 * Stops the service: unready first, then the shutdown plan within `timeoutMs`. A clean stop
 * (`exitCode` 0) drains; any other stops at once.
 */
export async function stopService(
  parts: ShutdownParts,
  { readiness, exitCode, reason, timeoutMs }: { readiness: Pick<Readiness, 'health' | 'update'>; exitCode: number; reason: string; timeoutMs: number },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  parts.logger.info({ reason, held: parts.capacity.held }, 'shutting down');
  readiness.health.beginShutdown();
  readiness.update();
  const steps = shutdownPlan(parts, { drain: exitCode === 0, remaining: (atLeast = 0) => Math.max(deadline - Date.now(), atLeast) });
  await runShutdownSteps(steps, parts.logger);
  parts.logger.info({ exitCode }, 'stopped');
}
