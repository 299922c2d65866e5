import type { Admin } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';

import { committedLag, type World } from '../../support/app-harness.js';

const notCoordinator = () => Object.assign(new Error('This is not the correct coordinator for this group'), { retriable: true, type: 'NOT_COORDINATOR' });

function worldWith(fetchOffsets: Admin['fetchOffsets']): World {
  const admin = { fetchOffsets, fetchTopicOffsets: async () => [{ partition: 0, offset: '5', high: '5', low: '0' }] } as unknown as Admin;
  return { topic: 't', groupId: 'g', admin } as unknown as World;
}

describe('committedLag', () => {
  it('when the group coordinator is still loading (a retriable error) › asks again instead of failing the test', async () => {
    const fetchOffsets = vi.fn<Admin['fetchOffsets']>();
    fetchOffsets.mockRejectedValueOnce(notCoordinator()).mockResolvedValue([{ topic: 't', partitions: [{ partition: 0, offset: '3', metadata: null }] }]);
    expect(await committedLag(worldWith(fetchOffsets))).toBe(2);
    expect(fetchOffsets).toHaveBeenCalledTimes(2);
  });

  it('a non-retriable error › fails at once', async () => {
    const refused = Object.assign(new Error('Not authorized'), { retriable: false });
    const fetchOffsets = vi.fn<Admin['fetchOffsets']>().mockRejectedValue(refused);
    await expect(committedLag(worldWith(fetchOffsets))).rejects.toBe(refused);
    expect(fetchOffsets).toHaveBeenCalledTimes(1);
  });
});
