import type { Logger } from 'pino';

/**
 * One named shutdown step; `timeoutMs` bounds how long shutdown waits for it (a broker that is down
 * must not hold the process past its grace period: what a step did not finish is redelivered).
 */
export type ShutdownStep = readonly [name: string, run: () => unknown, timeoutMs?: () => number];

/**
 * Runs the steps in order; each runs even if an earlier one failed or timed out (one failing step
 * never skips the rest, as in bullmq's Worker.close()); failures are logged with the step's name.
 */
export async function runShutdownSteps(steps: readonly ShutdownStep[], logger: Logger): Promise<void> {
  for (const [name, run, timeoutMs] of steps) {
    let timer: NodeJS.Timeout | undefined;
    try {
      const work = Promise.resolve().then(run);
      if (timeoutMs === undefined) {
        await work;
        continue;
      }
      const ms = Math.max(0, timeoutMs());
      const expired = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
      if ((await Promise.race([work, expired])) === 'timeout') {
        logger.warn({ step: name, afterMs: ms }, 'shutdown step did not finish in time; going on');
        work.catch(() => {});
      }
    } catch (err) {
      logger.error({ err, step: name }, 'shutdown step failed');
    } finally {
      clearTimeout(timer);
    }
  }
}
