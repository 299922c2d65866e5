import type { Logger } from 'pino';

import type { Config } from '../platform/config/schema.js';
import type { Metrics } from '../platform/metrics.js';
import { Health } from './health.js';
import { KafkaContact } from './kafka-contact.js';

/** What readiness and liveness are computed from; read late, so the parts may be built after this. */
export interface ReadinessSources {
  /** A member of the group with an assignment (not rebalancing). */
  readonly joined: () => boolean;
  /** In the group at all (an assignment may be pending). */
  readonly inGroup: () => boolean;
  readonly blockedPartitions: () => number;
  readonly circuitOpen: () => boolean;
  /** DLQ or receipt publishes past their bound: waiting on Kafka, unready. */
  readonly stalledPublishes: () => number;
  /** New sends held because settled offsets wait for commits the broker does not confirm: waiting on Kafka, unready. */
  readonly commitBlocked: () => boolean;
  /** With a fallback relay: each relay's circuit, shown by /readyz (one relay down does not make the pod unready). */
  readonly smtpRelays?: () => unknown;
  /** Messages held or lag observed. */
  readonly hasWork: () => boolean;
  readonly stopping: () => boolean;
  /** The cluster send rate's state (shared budget or this pod's share), shown by /readyz as it is. */
  readonly sendRate?: () => unknown;
}

export interface Readiness {
  readonly health: Health;
  readonly contact: KafkaContact;
  /** Re-computes /readyz and the ready gauge after any source changed. */
  update(): void;
  /** Something was settled or committed: /livez and the last-progress gauge move. */
  progress(): void;
}

export function createReadiness({
  config,
  metrics,
  logger,
  sources,
}: {
  config: Config;
  metrics: Metrics;
  logger: Logger;
  sources: ReadinessSources;
}): Readiness {
  const contact = new KafkaContact({
    staleAfterMs: Math.max(15_000, 3 * config.kafka.heartbeatIntervalMs),
    onChange: (reachable, silentForMs) => {
      if (sources.stopping()) return;
      if (reachable) logger.info('Kafka reachable again');
      else
        logger.error(
          { brokers: config.kafka.brokers, silentForMs },
          'no answer from Kafka; unready until the brokers answer again (KafkaJS keeps reconnecting)',
        );
      update();
    },
  });
  const health = new Health({
    stallMs: config.livenessStallMs,
    hasWork: sources.hasWork,
    detail: () => {
      const relays = sources.smtpRelays?.();
      const sendRate = sources.sendRate?.();
      return { ...(relays === undefined ? {} : { smtpRelays: relays }), ...(sendRate === undefined ? {} : { sendRate }) };
    },
    // A stalled publish or a commit that is not confirmed waits on Kafka: a restart would not make the
    // topic writable or the coordinator answer, only send every uncommitted email again.
    waitingOnDependency: () => sources.circuitOpen() || !sources.joined() || !contact.reachable() || sources.stalledPublishes() > 0 || sources.commitBlocked(),
  });
  // Liveness counts from start (Health does too): a gauge at 0 would read as decades without progress.
  metrics.lastProgress.set(Date.now() / 1000);
  function update(): void {
    health.setJoined(sources.inGroup() && contact.reachable());
    health.setBlockedPartitions(sources.blockedPartitions());
    health.setStalledPublishes(sources.stalledPublishes());
    health.setCommitBlocked(sources.commitBlocked());
    metrics.ready.set(health.readiness().ok ? 1 : 0);
  }
  return {
    health,
    contact,
    update,
    progress() {
      health.progress();
      metrics.lastProgress.set(Date.now() / 1000);
    },
  };
}
