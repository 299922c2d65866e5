import type { Logger } from './logger.js';

/** One named shutdown step. */
export type ShutdownStep = readonly [name: string, run: () => unknown];

/**
 * Runs the steps in order; each runs even if an earlier one failed (one failing step never skips
 * the rest, as in bullmq's Worker.close()); failures are logged with the step's name.
 */
export async function runShutdownSteps(steps: readonly ShutdownStep[], logger: Logger): Promise<void> {
  for (const [name, run] of steps) {
    try {
      await run();
    } catch (err) {
      logger.error({ err, step: name }, 'shutdown step failed');
    }
  }
}
