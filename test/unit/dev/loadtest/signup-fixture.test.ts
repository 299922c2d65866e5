import { describe, expect, it } from 'vitest';

import { eventIdFromMessageId, eventIdPrefix, signupFixture } from '../../../../dev/loadtest/signup-fixture.js';
import { parseEvent } from '../../../../src/intake/parse-event.js';

describe('signupFixture', () => {
  it.each([1_000, 1_500, 2_000])('is a valid sign-up event of exactly %i bytes', (bytes) => {
    const { eventId, value } = signupFixture('run1', 7, { bytes });
    expect(Buffer.byteLength(value)).toBe(bytes);
    const parsed = parseEvent(Buffer.from(value));
    expect(parsed.ok && parsed.event.eventId).toBe(eventId);
  });

  it('has unique eventIds under the run prefix and keys spread over the users', () => {
    const events = Array.from({ length: 10 }, (_, i) => signupFixture('run1', i, { users: 4 }));
    expect(new Set(events.map((e) => e.eventId)).size).toBe(10);
    expect(events.every((e) => e.eventId.startsWith(eventIdPrefix('run1')))).toBe(true);
    expect(new Set(events.map((e) => e.key))).toEqual(new Set(['user-0', 'user-1', 'user-2', 'user-3']));
  });

  it('maps a Message-ID back to its eventId', () => {
    expect(eventIdFromMessageId('<lt-run1-7@load.test>')).toBe('lt-run1-7');
    expect(eventIdFromMessageId(undefined)).toBeUndefined();
    expect(eventIdFromMessageId('garbage')).toBeUndefined();
  });
});
