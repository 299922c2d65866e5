import type { Consumer, Producer } from 'kafkajs';
import type { Logger } from 'pino';

import type { Dispatcher } from '../delivery/dispatcher.js';
import type { ConsumerLifecycle } from '../intake/consumer-lifecycle.js';
import type { SentLedger } from '../ledger/sent-ledger.js';
import type { Capacity } from '../pipeline/capacity.js';
import type { ShutdownStep } from '../platform/shutdown-steps.js';
import type { Committer } from '../settle/committer.js';
import type { Mailer } from '../smtp/mailer.js';
import type { CircuitBreaker } from '../smtp/relays/circuit-breaker.js';

/** What shutdown stops, in the order it stops them. */
export interface ShutdownParts {
  readonly smtpVerifier: { stop(): unknown };
  readonly intake: AbortController;
  readonly lifecycle: Pick<ConsumerLifecycle, 'stop' | 'close'>;
  readonly capacity: Pick<Capacity, 'whenEmpty' | 'held'>;
  readonly dispatcher: Pick<Dispatcher, 'close'>;
  readonly committer: Pick<Committer, 'stop' | 'finalCommit'>;
  readonly consumer: Pick<Consumer, 'disconnect'>;
  readonly producer: Pick<Producer, 'disconnect'>;
  readonly mailer: Pick<Mailer, 'close'>;
  readonly ledger: Pick<SentLedger, 'close'>;
  /** The cluster send rate's Redis connection, when there is one. */
  readonly closeRate: () => unknown;
  readonly highWatermarks: { close(): Promise<void> };
  readonly breaker: Pick<CircuitBreaker, 'stop'>;
  /** Exports the spans still buffered (a no-op with tracing off). */
  readonly tracing: { shutdown(): Promise<void> };
  readonly stopGauges: () => void;
  readonly closeHttp: () => unknown;
  readonly logger: Logger;
}

/**
 * The shutdown steps: stop taking, drain (only on a clean stop: a fatal error stops at once), give
 * up on what is left (it is redelivered), commit what settled, leave the group, close the clients.
 * `remaining(atLeast)` is the time left of the grace period.
 */
export function shutdownPlan(p: ShutdownParts, { drain, remaining }: { drain: boolean; remaining: (atLeast?: number) => number }): ShutdownStep[] {
  return [
    ['stop verifying SMTP', () => p.smtpVerifier.stop()],
    [
      'stop fetching',
      () => {
        p.intake.abort(new Error('shutting down'));
        p.lifecycle.stop();
      },
    ],
    [
      'drain',
      async () => {
        if (!drain) return;
        await p.capacity
          .whenEmpty(AbortSignal.timeout(remaining()))
          .catch(() => p.logger.warn({ held: p.capacity.held }, 'shutdown timeout reached; unsettled messages stay uncommitted and will be redelivered'));
      },
    ],
    ['abandon unsettled', () => p.dispatcher.close()],
    // During a rebalance this waits for the new assignment; at least a few seconds even when the drain used the budget.
    [
      'final commit',
      () => {
        p.committer.stop();
        return p.committer.finalCommit(AbortSignal.timeout(remaining(3_000)));
      },
      () => remaining(3_000),
    ],
    // Past the drain budget, a broker that does not answer gets a few seconds, not the grace period.
    ['leave group', () => p.consumer.disconnect(), () => 4_000],
    ['stop listening to the consumer', () => p.lifecycle.close()],
    ['close producer', () => p.producer.disconnect(), () => 2_000],
    ['close admin', () => p.highWatermarks.close(), () => 2_000],
    ['close SMTP pool', () => p.mailer.close()],
    ['close ledger', () => p.ledger.close()],
    ['close send-rate Redis', () => p.closeRate(), () => 2_000],
    // Every span has ended by now (settled, abandoned, or its SMTP exchange closed); a collector that is down gets a few seconds.
    ['flush traces', () => p.tracing.shutdown(), () => 5_000],
    ['stop circuit breaker', () => p.breaker.stop()],
    ['stop gauges', () => p.stopGauges()],
    ['close HTTP', () => p.closeHttp()],
  ];
}
