import { withinBudget } from '../platform/within-budget.js';
import type { ConsumerLifecycleOptions } from './consumer-lifecycle-options.js';

/**
 * A known rebalance's last commit with the generation it began in, before KafkaJS rejoins: `err` is
 * the heartbeat error that made it known, undefined when KafkaJS reported it (it is rejoining already).
 * Within the rejoin budget; out of budget, nothing more is committed with `generation`, whatever is
 * still pending (a later generation is not touched).
 */
export function commitBeforeRejoin(
  o: Pick<ConsumerLifecycleOptions, 'committer' | 'dispatcher' | 'rejoinCommitBudgetMs' | 'logger'>,
  generation: number,
  err: unknown,
): Promise<void> {
  const outOfBudget = () => o.committer.suspend(generation);
  if (err === undefined) {
    // KafkaJS is already rejoining (its REBALANCING event): commit once more, now, before the new generation.
    return withinBudget(() => o.committer.flushThenSuspend(generation), o.rejoinCommitBudgetMs, outOfBudget);
  }
  // KafkaJS cannot rejoin before the batch that learned of it returns: let the sends in flight
  // finish (none starts now) so their offsets make the last commit, within the budget.
  o.logger.info({ error: (err as Error).message }, 'group rebalancing: admitting nothing, starting no send, committing what settled, rejoining');
  return withinBudget(
    async (signal) => {
      await o.dispatcher.whenNoSendInFlight(signal).catch(() => {});
      await o.committer.flushThenSuspend(generation);
    },
    o.rejoinCommitBudgetMs,
    outOfBudget,
  );
}
