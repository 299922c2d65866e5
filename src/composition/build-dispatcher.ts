import { Dispatcher } from '../delivery/dispatcher.js';
import type { DispatcherOptions } from '../delivery/dispatcher-options.js';
import type { SendRate } from '../delivery/rate/send-rate.js';
import type { Config } from '../platform/config/schema.js';

/** The worker pool with its settings from config; the rest of its options are the parts it is wired to. */
export function buildDispatcher({
  config,
  sendRate,
  ...parts
}: { config: Config; sendRate: SendRate | undefined } & Omit<
  DispatcherOptions,
  'policy' | 'workerCount' | 'rateLimitPerSecond' | 'sendRate' | 'unmappedEventTypes'
>): Dispatcher {
  return new Dispatcher({
    ...parts,
    policy: { maxRetries: config.email.maxRetries, delaysMs: config.email.retryDelaysMs },
    workerCount: config.email.workerCount,
    // Cluster scope: the shared budget is taken per send; the pool's own cap is for pod scope.
    rateLimitPerSecond: sendRate ? 0 : config.email.rateLimitPerSecond,
    ...(sendRate ? { sendRate } : {}),
    unmappedEventTypes: config.email.unmappedEventTypes,
  });
}
