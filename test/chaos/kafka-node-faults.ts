import type { Admin } from 'kafkajs';

import { type ChaosBroker, coordinatorOf, leaderOf } from './chaos-broker.js';
import type { Fault } from './fault.js';
import { retrying } from './retrying.js';

export type KafkaNodeFault = Extract<Fault, { kind: 'kill-coordinator' | 'kill-leader' | 'rolling-restart' }>;

export interface KafkaNodeFaultContext {
  readonly broker: ChaosBroker;
  readonly admin: Admin;
  readonly topic: string;
  readonly groupId: string;
  /** The source topic's partitions now. */
  readonly partitions: number;
  /** Waits `ms`, less once healing began. */
  readonly hold: (ms: number) => Promise<void>;
  readonly clock: () => number;
}

/**
 * Takes a Kafka node away and brings it back, then waits until every replica of the source topic is
 * in sync again (so the next node fault never leaves a partition below min.insync.replicas):
 * - kill-coordinator: SIGKILL the node that coordinates the group (Kafka's rule: the leader of the
 *   group's __consumer_offsets partition), so commits in flight to it may be lost and the group finds
 *   a new coordinator;
 * - kill-leader: SIGKILL the leader of one source partition: fetches and DLQ/receipt writes move;
 * - rolling-restart: every node in turn, a controlled shutdown (leadership handed over first) and a start.
 * Resolves with what it did, for the run's log.
 */
export async function applyKafkaNodeFault(fault: KafkaNodeFault, c: KafkaNodeFaultContext): Promise<string> {
  const { broker, admin, clock } = c;
  if (fault.kind === 'rolling-restart') {
    for (const node of broker.nodes) {
      await broker.bounce(node.id);
      await inSync(c);
    }
    return `nodes ${broker.nodes.map((n) => n.id).join(', ')} restarted in turn, done at t+${(clock() / 1000).toFixed(1)}s`;
  }
  const id = await retrying(
    'finding the node to kill',
    async () => {
      const found =
        fault.kind === 'kill-coordinator' ? await coordinatorOf(admin, c.groupId) : await leaderOf(admin, c.topic, Math.floor(fault.target * c.partitions));
      if (found === undefined || found < 0) throw new Error('no leader yet');
      return found;
    },
    { timeoutMs: 30_000 },
  );
  await broker.kill(id);
  await c.hold(fault.downMs);
  await broker.restart(id);
  await inSync(c);
  return `killed node ${id} (${fault.kind === 'kill-coordinator' ? 'the group coordinator' : 'a partition leader'}), back in sync at t+${(clock() / 1000).toFixed(1)}s`;
}

/** Waits (bounded) until every partition of the source topic has all its replicas in sync. */
async function inSync(c: KafkaNodeFaultContext): Promise<void> {
  await retrying(
    'waiting for the replicas to catch up',
    async () => {
      const { topics } = await c.admin.fetchTopicMetadata({ topics: [c.topic] });
      const behind = (topics[0]?.partitions ?? []).filter((p) => p.isr.length < p.replicas.length).length;
      if (behind > 0) throw new Error(`${behind} partition(s) not in sync`);
    },
    { timeoutMs: 90_000 },
  );
}
