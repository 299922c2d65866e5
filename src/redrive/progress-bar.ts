import cliProgress from 'cli-progress';

import type { RedriveProgress } from './redrive-types.js';

/**
 * A progress bar on a terminal; nothing at all when `stream` is not a TTY (a Kubernetes Job's log
 * gets the summary instead of thousands of redraws).
 */
export function createProgressBar({ stream }: { stream: NodeJS.WriteStream }): RedriveProgress {
  if (!stream.isTTY) return { start() {}, increment() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { stream, format: 'redrive |{bar}| {value}/{total} DLQ records | {eta_formatted} left', hideCursor: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (total) => bar.start(total, 0),
    increment: () => bar.increment(),
    stop: () => {
      if (bar.isActive) bar.stop();
    },
  };
}
