import type { Admin, Consumer, Producer } from 'kafkajs';
import type { Logger } from 'pino';

/**
 * Disconnects what a run opened, and deletes a dry run's throwaway group (`dryRunGroup`) once its
 * consumer ran. Each step is tried whatever the one before did; a failure is logged, never thrown.
 */
export async function closeRedriveClients({
  consumer,
  producer,
  admin,
  dryRunGroup,
  logger,
}: {
  consumer: Pick<Consumer, 'disconnect'> | undefined;
  producer: Pick<Producer, 'disconnect'> | undefined;
  admin: Pick<Admin, 'disconnect' | 'deleteGroups'>;
  dryRunGroup: string | undefined;
  logger: Logger;
}): Promise<void> {
  await quietly(logger, 'disconnect consumer', () => consumer?.disconnect());
  await quietly(logger, 'disconnect producer', () => producer?.disconnect());
  if (dryRunGroup !== undefined && consumer) await quietly(logger, 'delete dry-run group', () => admin.deleteGroups([dryRunGroup]));
  await quietly(logger, 'disconnect admin', () => admin.disconnect());
}

async function quietly(logger: Logger, step: string, fn: () => Promise<unknown> | undefined): Promise<void> {
  try {
    await fn();
  } catch (err) {
    logger.warn({ err, step }, 'redrive cleanup step failed');
  }
}
