import { describe, expect, it } from 'vitest';

import { retrying } from '../../../test/chaos/retrying.js';

describe('retrying', () => {
  it('when the call fails a few times › resolves with its first success', async () => {
    let calls = 0;
    const value = await retrying(
      'reading',
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('not the leader');
        return 'ok';
      },
      { everyMs: 1 },
    );
    expect([value, calls]).toEqual(['ok', 3]);
  });

  it('when it keeps failing › rejects after the deadline, naming what failed, the attempts and the last error', async () => {
    await expect(retrying('reading the DLQ', async () => Promise.reject(new Error('coordinator loading')), { timeoutMs: 30, everyMs: 5 })).rejects.toThrow(
      /^reading the DLQ failed after \d+ attempt\(s\): coordinator loading$/,
    );
  });
});
