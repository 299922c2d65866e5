import type { ConsumerGroupJoinEvent } from 'kafkajs';

import { partitionKey, type TopicPartition } from '../pipeline/topic-partition.js';

/** What a GROUP_JOIN says next to the join before it. */
export interface JoinChange {
  readonly assignment: TopicPartition[];
  /** The assignment differs from the last one joined. */
  readonly moved: boolean;
  /** Joined under another member id than the last join. */
  readonly newMember: boolean;
}

/** The last assignment joined, as sorted partition keys, and the member id it was joined as. */
export class JoinHistory {
  #assignment = '';
  #memberId: string | undefined;

  record({ memberAssignment, memberId }: ConsumerGroupJoinEvent['payload']): JoinChange {
    const assignment = Object.entries(memberAssignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
    const key = assignment.map(partitionKey).sort().join(' ');
    const change = { assignment, moved: key !== this.#assignment, newMember: this.#memberId !== undefined && memberId !== this.#memberId };
    this.#assignment = key;
    this.#memberId = memberId;
    return change;
  }
}
