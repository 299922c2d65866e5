import { describe, expect, it } from 'vitest';

import { waitForDrain } from '../../../test/chaos/drain.js';
import type { PartitionOffsets } from '../../../test/chaos/history.js';

const due = [
  { eventId: 'a', partition: 0, offset: 0n },
  { eventId: 'b', partition: 0, offset: 1n },
  { eventId: 'c', partition: 1, offset: 0n },
];

describe('waitForDrain', () => {
  it('when everything is settled and committed past the last due record (a marker may follow) › drained', async () => {
    const offsets: PartitionOffsets[] = [
      { partition: 0, committed: 2n, end: 3n },
      { partition: 1, committed: 1n, end: 1n },
    ];
    const result = await waitForDrain({ due, settled: () => true, offsets: async () => offsets, timeoutMs: 1_000, log: () => undefined, everyMs: 5 });
    expect(result).toMatchObject({ drained: true, unsettled: 0 });
  });

  it('when an event never settles › not drained once the deadline passes, with the count', async () => {
    const result = await waitForDrain({ due, settled: (id) => id !== 'b', offsets: async () => [], timeoutMs: 50, log: () => undefined, everyMs: 5 });
    expect(result).toMatchObject({ drained: false, unsettled: 1 });
    expect(result.waitedMs).toBeGreaterThanOrEqual(50);
  });

  it('when a partition is not committed past its last due record › waits, and drains once it is', async () => {
    let committed = 1n;
    setTimeout(() => (committed = 2n), 30);
    const result = await waitForDrain({
      due,
      settled: () => true,
      offsets: async () => [
        { partition: 0, committed, end: 2n },
        { partition: 1, committed: 1n, end: 1n },
      ],
      timeoutMs: 2_000,
      log: () => undefined,
      everyMs: 5,
    });
    expect(result.drained).toBe(true);
    expect(result.waitedMs).toBeGreaterThanOrEqual(25);
  });

  it('when reading the offsets fails (broker still starting) › keeps waiting instead of throwing', async () => {
    let calls = 0;
    const result = await waitForDrain({
      due,
      settled: () => true,
      offsets: async () => {
        calls += 1;
        if (calls < 3) throw new Error('coordinator loading');
        return [
          { partition: 0, committed: 2n, end: 2n },
          { partition: 1, committed: 1n, end: 1n },
        ];
      },
      timeoutMs: 2_000,
      log: () => undefined,
      everyMs: 5,
    });
    expect(result.drained).toBe(true);
    expect(calls).toBe(3);
  });
});
