import { describe, expect, it } from 'vitest';

import { toDlqEntry } from '../../../test/chaos/collect-history.js';

describe('toDlqEntry', () => {
  it('reads the eventId from the value and reason and provenance from the headers', () => {
    const entry = toDlqEntry({
      partition: 0,
      offset: 9n,
      key: 'user-1',
      value: Buffer.from(JSON.stringify({ eventId: 'chaos-x-7', user: { email: 'not-an-address' } })),
      headers: { 'dlq.reason': 'invalid_event', 'dlq.original.topic': 'chaos-x', 'dlq.original.partition': '3', 'dlq.original.offset': '41' },
    });
    expect(entry).toEqual({ eventId: 'chaos-x-7', reason: 'invalid_event', partition: 3, offset: 41n });
  });

  it('when the value is not JSON and headers are missing › undefined fields and reason "unknown", for the checker to report', () => {
    expect(toDlqEntry({ partition: 0, offset: 0n, key: null, value: Buffer.from([0xff, 0xfe]), headers: { 'dlq.original.offset': 'x' } })).toEqual({
      eventId: undefined,
      reason: 'unknown',
      partition: undefined,
      offset: undefined,
    });
  });
});
