import type { Admin } from 'kafkajs';

import { untilAborted } from '../../platform/abortable-wait.js';
import { linkedSignal } from '../../platform/linked-signal.js';

/** The partition count of the receipts topic; rejects when unknown (a failed produce attempt). */
export type PartitionCount = (signal: AbortSignal) => Promise<number>;

export interface TopicPartitionCountOptions {
  /** A fresh admin client per look-up: KafkaJS fails a connect that follows a disconnect too closely. */
  readonly newAdmin: () => Pick<Admin, 'connect' | 'disconnect' | 'fetchTopicMetadata'>;
  readonly topic: string;
  /** How long a count is used before it is looked up again (partitions can be added). @default 60000 */
  readonly refreshMs?: number;
  /** A look-up not answered this long fails the attempt waiting for it. @default 10000 */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

/**
 * Looks the topic's partition count up from the cluster's metadata, at most once per `refreshMs`.
 * A failed refresh keeps the last count: partitions are only ever added, so every partition it
 * names still exists.
 */
export function topicPartitionCount({ newAdmin, topic, refreshMs = 60_000, timeoutMs = 10_000, now = Date.now }: TopicPartitionCountOptions): PartitionCount {
  let known: { count: number; at: number } | undefined;
  let inFlight: Promise<number> | undefined;
  const lookUp = async (): Promise<number> => {
    const admin = newAdmin();
    try {
      await admin.connect();
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const count = topics.find((t) => t.name === topic)?.partitions.length ?? 0;
      if (count === 0) throw new Error(`no partitions known for topic ${topic}`);
      known = { count, at: now() };
      return count;
    } finally {
      await admin.disconnect().catch(() => {});
    }
  };
  return async (signal) => {
    if (known && now() - known.at < refreshMs) return known.count;
    inFlight ??= lookUp().finally(() => (inFlight = undefined));
    // Linked, not AbortSignal.any: the caller's signal may live long, and `any` stays on it.
    const bounded = linkedSignal([signal, AbortSignal.timeout(timeoutMs)]);
    try {
      return await untilAborted(inFlight, bounded.signal);
    } catch (err) {
      if (known && !signal.aborted) return known.count;
      throw err;
    } finally {
      bounded.dispose();
    }
  };
}
