import { describe, expect, it } from 'vitest';

import { dlqEventId } from '../../../../dev/loadtest/dlq-watch.js';

describe('dlqEventId', () => {
  it('reads the eventId of the original event in a DLQ record value', () => {
    expect(dlqEventId(Buffer.from(JSON.stringify({ eventId: 'lt-abc-7', type: 'user.signed_up' })))).toBe('lt-abc-7');
  });

  it('finds it in a value that is not valid JSON (an invalid event), and gives up on anything else', () => {
    expect(dlqEventId(Buffer.from('{"eventId": "lt-abc-8", "user": '))).toBe('lt-abc-8');
    expect(dlqEventId(Buffer.from('not json'))).toBeUndefined();
    expect(dlqEventId(Buffer.from(JSON.stringify({ eventId: 42 })))).toBeUndefined();
    expect(dlqEventId(null)).toBeUndefined();
  });
});
