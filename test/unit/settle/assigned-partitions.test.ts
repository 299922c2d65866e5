import { describe, expect, it } from 'vitest';

import { AssignedPartitions } from '../../../src/settle/assigned-partitions.js';

const T = 'signups';

describe('AssignedPartitions', () => {
  it('a partition outside the assignment › is never opened', () => {
    const partitions = new AssignedPartitions();
    partitions.retain([{ topic: T, partition: 0 }]);
    expect(partitions.open(T, 1)).toBeUndefined();
    expect(partitions.get(T, 1)).toBeUndefined();
    expect(partitions.open(T, 0)).toBe(partitions.get(T, 0));
  });

  it('each tracking begun › has a new epoch, so tickets of the one before are void', () => {
    const partitions = new AssignedPartitions();
    partitions.retain([{ topic: T, partition: 0 }]);
    const first = partitions.open(T, 0)?.epoch;
    partitions.restart(T, 0);
    const restarted = partitions.get(T, 0)?.epoch;
    partitions.retain([]);
    partitions.retain([{ topic: T, partition: 0 }]);
    const reassigned = partitions.open(T, 0)?.epoch;
    expect(new Set([first, restarted, reassigned]).size).toBe(3);
  });

  it('a new assignment › returns and forgets the tracked partitions it no longer holds', () => {
    const partitions = new AssignedPartitions();
    partitions.retain([0, 1, 2].map((partition) => ({ topic: T, partition })));
    partitions.open(T, 0);
    partitions.open(T, 1);
    expect(partitions.retain([{ topic: T, partition: 1 }])).toEqual([{ topic: T, partition: 0 }]);
    expect([...partitions.states()].map((s) => s.partition)).toEqual([1]);
    expect(partitions.owns(T, 0)).toBe(false);
    expect(partitions.owns(T, 1)).toBe(true);
  });
});
