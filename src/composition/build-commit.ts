import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';

import type { Config } from '../platform/config/schema.js';
import type { Metrics } from '../platform/metrics.js';
import { CommitGate } from '../settle/commit-gate.js';
import { Committer } from '../settle/committer.js';
import { createConfirmedCommit } from '../settle/confirmed-commit.js';
import type { OffsetTracker } from '../settle/offset-tracker.js';

/**
 * The committer and the gate that holds new sends while commits do not reach the broker. `hold` and
 * `release` hold and release new sends; `onProgress` hears each confirmed commit, `onChange` each
 * change of the gate.
 */
export function buildCommit({
  config,
  tracker,
  consumer,
  hold,
  release,
  onProgress,
  onChange,
  metrics,
  logger,
}: {
  config: Config;
  tracker: OffsetTracker;
  consumer: Consumer;
  hold: () => void;
  release: () => void;
  onProgress: () => void;
  onChange: () => void;
  metrics: Metrics;
  logger: Logger;
}): { readonly committer: Committer; readonly commitGate: CommitGate } {
  const committer = new Committer({
    tracker,
    commit: createConfirmedCommit(consumer),
    minIntervalMs: config.kafka.commitIntervalMs,
    intervalMs: 1000,
    metrics,
    logger,
    onCommitted: () => {
      onProgress();
      commitGate.check();
    },
  });
  // Settled offsets no confirmed commit covers are mailed again when their partition moves: past the bound, sends hold.
  const commitGate = new CommitGate({ uncommitted: () => tracker.uncommitted(), max: config.kafka.maxUncommitted, hold, release, onChange, metrics, logger });
  return { committer, commitGate };
}
