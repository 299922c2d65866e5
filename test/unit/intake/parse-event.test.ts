import { describe, expect, it } from 'vitest';
import { MAX_EVENT_BYTES, parseEvent, type ParseResult } from '../../../src/intake/parse-event.js';

const EMAIL = 'ada.lovelace@example.test';

function event(overrides: Record<string, unknown> = {}, user: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventId: 'evt-0001',
    type: 'user.signed_up',
    occurredAt: '2024-05-01T12:30:00Z',
    user: { id: 'user-42', email: EMAIL, name: 'Ada Lovelace', locale: 'en-GB', ...user },
    ...overrides,
  };
}

const bytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

/** Asserts the value was refused, and returns the reason. */
function refused(result: ParseResult): string {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('unreachable');
  expect(result.error).toEqual(expect.any(String));
  expect(result.error.length).toBeGreaterThan(0);
  return result.error;
}

describe('parseEvent', () => {
  describe('when the value is a valid sign-up event', () => {
    it('returns the event', () => {
      expect(parseEvent(bytes(event()))).toEqual({ ok: true, event: event() });
    });

    it('accepts an event without name and locale', () => {
      const result = parseEvent(bytes(event({ user: { id: 'user-42', email: EMAIL } })));
      expect(result).toEqual({ ok: true, event: { ...event(), user: { id: 'user-42', email: EMAIL } } });
    });

    it('accepts an occurredAt with an offset and fractional seconds', () => {
      expect(parseEvent(bytes(event({ occurredAt: '2024-05-01T14:30:00.123+02:00' }))).ok).toBe(true);
    });

    it('drops fields it does not know, so producers can add them', () => {
      const result = parseEvent(bytes({ ...event({ traceId: 'abc' }), user: { ...(event().user as object), plan: 'pro' } }));
      expect(result).toEqual({ ok: true, event: event() });
    });

    it('accepts a value with a UTF-8 byte-order mark', () => {
      expect(parseEvent(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(event())])).ok).toBe(true);
    });

    it('accepts a name with non-ASCII letters and punctuation that is not a control character', () => {
      const name = 'Zoë O\'Brien-Łukasz "Ziggy" 山田 <3';
      const result = parseEvent(bytes(event({}, { name })));
      expect(result.ok && result.event.user.name).toBe(name);
    });

    it('accepts a 200-character name', () => {
      expect(parseEvent(bytes(event({}, { name: 'n'.repeat(200) }))).ok).toBe(true);
    });
  });

  describe('when the value is not an event at all', () => {
    it('null value (a tombstone) › refused as empty', () => {
      expect(refused(parseEvent(null))).toBe('empty value');
    });

    it('undefined value › refused as empty', () => {
      expect(refused(parseEvent(undefined))).toBe('empty value');
    });

    it('empty buffer › refused as empty', () => {
      expect(refused(parseEvent(Buffer.alloc(0)))).toBe('empty value');
    });

    it('not JSON › refused, without echoing the text (which may hold an address)', () => {
      const error = refused(parseEvent(Buffer.from(`to: ${EMAIL}`)));
      expect(error).toBe('value is not JSON');
      expect(error).not.toContain(EMAIL);
    });

    it('truncated JSON › refused as not JSON', () => {
      expect(refused(parseEvent(bytes(event()).subarray(0, 40)))).toBe('value is not JSON');
    });

    it('a 2 MB value › refused by size before decoding', () => {
      const error = refused(parseEvent(Buffer.alloc(2_000_000, 0x20)));
      expect(error).toMatch(/2000000 bytes, over the 1048576-byte limit/);
    });

    it('a valid event padded to one byte over 1 MiB › refused by size', () => {
      const json = bytes(event());
      const padded = Buffer.concat([json, Buffer.alloc(MAX_EVENT_BYTES + 1 - json.length, 0x20)]);
      expect(refused(parseEvent(padded))).toMatch(/over the 1048576-byte limit/);
    });

    it('a valid event padded to exactly 1 MiB › accepted', () => {
      const json = bytes(event());
      expect(parseEvent(Buffer.concat([json, Buffer.alloc(MAX_EVENT_BYTES - json.length, 0x20)])).ok).toBe(true);
    });

    it.each([
      ['a lone continuation byte', [0x80]],
      ['an overlong encoding', [0xc0, 0xaf]],
      ['a truncated sequence', [0xe2, 0x82]],
      ['invalid bytes', [0xff, 0xfe]],
      ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ])('%s inside the JSON › refused as invalid UTF-8', (_label, invalid) => {
      const json = bytes(event());
      const broken = Buffer.concat([json.subarray(0, 20), Buffer.from(invalid), json.subarray(20)]);
      expect(refused(parseEvent(broken))).toBe('value is not valid UTF-8');
    });

    it('100000 nested arrays › refused, without throwing', () => {
      const deep = Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
      expect(refused(parseEvent(deep))).toMatch(/^(value is nested too deeply|schema violation: \(root\))/);
    });

    it('100000 nested objects in the name field › refused, without throwing', () => {
      const json = JSON.stringify(event({}, { name: '__DEEP__' })).replace('"__DEEP__"', `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
      expect(refused(parseEvent(Buffer.from(json)))).toMatch(/^(value is nested too deeply|schema violation: user\.name)/);
    });

    it.each([
      ['an array', [event()]],
      ['a string', EMAIL],
      ['a number', 42],
      ['null', null],
    ])('JSON %s › refused as a schema violation at the root', (_label, value) => {
      const error = refused(parseEvent(bytes(value)));
      expect(error).toMatch(/^schema violation: \(root\): /);
      expect(error).not.toContain(EMAIL);
    });
  });

  describe('when the event breaks the contract', () => {
    it.each([
      ['an unknown type', event({ type: 'user.deleted' }), 'type: unsupported type'],
      ['no type', event({ type: undefined }), 'type: unsupported type'],
      ['a numeric eventId', event({ eventId: 12 }), 'eventId: '],
      ['an eventId with a space', event({ eventId: 'evt 1' }), 'eventId: must match'],
      ['an eventId with angle brackets (would break the Message-ID)', event({ eventId: 'a>b<c' }), 'eventId: must match'],
      ['an eventId that is an address', event({ eventId: EMAIL }), 'eventId: must match'],
      ['an empty eventId', event({ eventId: '' }), 'eventId: must match'],
      ['a 129-character eventId', event({ eventId: 'e'.repeat(129) }), 'eventId: must match'],
      ['no eventId', event({ eventId: undefined }), 'eventId: '],
      ['no occurredAt', event({ occurredAt: undefined }), 'occurredAt: '],
      ['an occurredAt that is not a date', event({ occurredAt: 'yesterday' }), 'occurredAt: must be an ISO-8601 date-time'],
      ['an occurredAt without a time', event({ occurredAt: '2024-05-01' }), 'occurredAt: must be an ISO-8601 date-time'],
      ['an occurredAt in epoch millis', event({ occurredAt: 1714566600000 }), 'occurredAt: '],
      ['no user', event({ user: undefined }), 'user: '],
      ['a user that is a string', event({ user: EMAIL }), 'user: '],
      ['a numeric user id', event({}, { id: 42 }), 'user.id: '],
      ['an empty user id', event({}, { id: '' }), 'user.id: '],
      ['no email', event({}, { email: undefined }), 'user.email: '],
      ['a numeric email', event({}, { email: 42 }), 'user.email: '],
      ['a name that is a number', event({}, { name: 7 }), 'user.name: '],
      ['a 201-character name', event({}, { name: 'n'.repeat(201) }), 'user.name: '],
      ['a name with CR/LF (header injection)', event({}, { name: 'Ada\r\nBcc: victim@evil.test' }), 'user.name: must not contain control characters'],
      ['a name with a bare LF', event({}, { name: 'Ada\nLovelace' }), 'user.name: must not contain control characters'],
      ['a name with a bare CR', event({}, { name: 'Ada\rLovelace' }), 'user.name: must not contain control characters'],
      ['a name with a NUL', event({}, { name: 'Ada\u0000' }), 'user.name: must not contain control characters'],
      ['a name with a Unicode line separator', event({}, { name: 'Ada\u2028Lovelace' }), 'user.name: must not contain control characters'],
      ['a name with a right-to-left override', event({}, { name: 'Ada\u202eecalevoL' }), 'user.name: must not contain control characters'],
      ['a locale that is not a BCP 47 tag', event({}, { locale: 'en"><script>' }), 'user.locale: must be a BCP 47 tag'],
    ])('%s › refused, naming the field', (_label, value, reason) => {
      const error = refused(parseEvent(bytes(value)));
      expect(error).toMatch(/^schema violation: /);
      expect(error).toContain(reason);
      expect(error).not.toContain(EMAIL);
    });

    it('several problems at once › lists at most five', () => {
      const error = refused(parseEvent(bytes({ eventId: 1, type: 2, occurredAt: 3, user: { id: 4, email: 5, name: 6, locale: 7 } })));
      expect(error.split('; ')).toHaveLength(5);
    });
  });

  describe('when the email address could route somewhere else', () => {
    it.each([
      ['a quoted local part', '"a@evil.test"@good.test'],
      ['a comment in the local part', 'user(comment)@evil.test'],
      ['a comment that hides a second domain', 'a@b.test(@evil.test)'],
      ['two addresses separated by a comma', 'a@good.test,b@evil.test'],
      ['a display name with angle brackets', 'Good <a@evil.test>'],
      ['angle brackets only', '<a@evil.test>'],
      ['two at signs', 'a@evil.test@good.test'],
      ['a source route', '@evil.test:a@good.test'],
      ['an IP literal', 'a@[127.0.0.1]'],
      ['a space', 'a b@good.test'],
      ['a CR/LF', 'a@good.test\r\nRCPT TO:<b@evil.test>'],
      ['a semicolon list', 'a@good.test;b@evil.test'],
      ['no domain', 'a@'],
      ['no dot in the domain', 'a@localhost'],
      ['no at sign', 'a.good.test'],
      ['a leading dot', '.a@good.test'],
      ['two dots in a row', 'a..b@good.test'],
      ['a 255-character address', `${'a'.repeat(64)}@${'b'.repeat(185)}.test`],
    ])('%s › refused as an invalid address, without echoing it', (_label, email) => {
      const error = refused(parseEvent(bytes(event({}, { email }))));
      expect(error).toBe('schema violation: user.email: invalid email address');
      expect(error).not.toContain(email);
    });

    it.each(['a+tag@good.test', "o'brien@good.test", 'first.last@sub.good.test', 'UPPER@Good.Test'])('%s › accepted', (email) => {
      const result = parseEvent(bytes(event({}, { email })));
      expect(result.ok && result.event.user.email).toBe(email);
    });
  });
});

describe('parseEvent › display names', () => {
  it('refuses a MIME encoded word in the name, which a mail reader would decode into other text', () => {
    const value = Buffer.from(JSON.stringify({ eventId: 'e1', type: 'user.signed_up', occurredAt: '2026-01-01T00:00:00Z', user: { id: 'u', email: 'a@example.test', name: '=?utf-8?Q?Security_Team?=' } }));
    const result = parseEvent(value);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toContain('encoded words');
  });
});
