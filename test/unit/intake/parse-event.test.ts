import { describe, expect, it } from 'vitest';

import { MAX_EVENT_BYTES, parseEvent } from '../../../src/intake/parse-event.js';
import type { ParseResult } from '../../../src/pipeline/parse-result.js';

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
      expect(parseEvent(bytes(event()))).toEqual({ ok: true, template: 'welcome', event: event() });
    });

    it('accepts an event without name and locale', () => {
      const result = parseEvent(bytes(event({ user: { id: 'user-42', email: EMAIL } })));
      expect(result).toEqual({ ok: true, template: 'welcome', event: { ...event(), user: { id: 'user-42', email: EMAIL } } });
    });

    it('accepts an occurredAt with an offset and fractional seconds', () => {
      expect(parseEvent(bytes(event({ occurredAt: '2024-05-01T14:30:00.123+02:00' }))).ok).toBe(true);
    });

    it('drops fields it does not know, so producers can add them', () => {
      const result = parseEvent(bytes({ ...event({ traceId: 'abc' }), user: { ...(event().user as object), plan: 'pro' } }));
      expect(result).toEqual({ ok: true, template: 'welcome', event: event() });
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
      ['no type', event({ type: undefined }), 'type: '],
      ['a type that is not an event type (white space, too long)', event({ type: 'user signed up' }), 'type: must be an event type'],
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

    it.each([
      ['a full-width at sign', 'a＠evil.test@good.test'],
      ['a right-to-left override', 'ada\u202e@good.test'],
      ['a zero-width space that IDNA would map away', 'ada@ex\u200bample.com'],
      ['an ideographic full stop', 'ada@例子。广告'],
      ['a no-break space', 'a\u00a0b@good.test'],
    ])('an international address with %s › refused as an invalid address', (_label, email) => {
      expect(refused(parseEvent(bytes(event({}, { email }))))).toBe('schema violation: user.email: invalid email address');
    });

    it.each([
      'a+tag@good.test',
      "o'brien@good.test",
      'first.last@sub.good.test',
      'UPPER@Good.Test',
      'ada@bücher.de',
      'jörg@example.de',
      '用户@例子.广告',
      'ada@xn--bcher-kva.de',
    ])('%s › accepted', (email) => {
      const result = parseEvent(bytes(event({}, { email })));
      expect(result.ok && result.event.user.email).toBe(email);
    });
  });
});

describe('parseEvent › display names', () => {
  const named = (name: unknown, user: Record<string, unknown> = {}) => parseEvent(bytes(event({}, { ...user, name })));
  /** The same event with no name at all: what a dropped name leaves. */
  const unnamed = (user: Record<string, unknown> = {}) => ({ ...event(), user: { id: 'user-42', email: EMAIL, locale: 'en-GB', ...user } });

  describe('when the name is written with joiners, variation selectors or other harmless format characters', () => {
    it.each([
      ['Persian with a zero-width non-joiner (U+200C)', 'می\u200cخواهم'],
      ['a Persian family name ending in a ZWNJ suffix', 'مهرداد\u200cی'],
      ['a Persian first and last name', 'سارا می\u200cرزایی'],
      ['Hindi with a zero-width joiner for a half form (U+200D)', 'लक्\u200dष्मी'],
      ['Hindi with a ZWNJ that breaks a conjunct', 'रक्\u200cषा'],
      ['Malayalam with ZWJ chillu letters', 'അന്\u200dവര്\u200d'],
      ['a ZWJ emoji (woman technologist)', 'Ada \u{1F469}\u200d\u{1F4BB}'],
      ['a ZWJ emoji family', '\u{1F468}\u200d\u{1F469}\u200d\u{1F467} Smith'],
      ['an emoji with a variation selector', 'Ada \u2764\ufe0f'],
      ['a subdivision flag (an emoji tag sequence)', 'Ada \u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}'],
      ['a soft hyphen', 'Ada\u00adLovelace'],
      ['a zero-width space and a word joiner', 'Ada\u200bLove\u2060lace'],
    ])('%s › accepted, the name kept verbatim and nothing dropped', (_label, name) => {
      expect(named(name)).toStrictEqual({ ok: true, template: 'welcome', event: event({}, { name }) });
    });
  });

  describe('when only the name could disguise text or inject a header › the event is accepted without the name, saying why', () => {
    it.each([
      ['CR/LF and a Bcc (header injection)', 'Ada\r\nBcc: victim@evil.test', 'line_break'],
      ['a bare LF', 'Ada\nLovelace', 'line_break'],
      ['a bare CR', 'Ada\rLovelace', 'line_break'],
      ['a vertical tab', 'Ada\u000bLovelace', 'line_break'],
      ['a form feed', 'Ada\u000cLovelace', 'line_break'],
      ['a next-line (U+0085)', 'Ada\u0085Lovelace', 'line_break'],
      ['a Unicode line separator', 'Ada\u2028Lovelace', 'line_break'],
      ['a Unicode paragraph separator', 'Ada\u2029Lovelace', 'line_break'],
      ['a NUL', 'Ada\u0000', 'control_character'],
      ['a tab', 'Ada\tLovelace', 'control_character'],
      ['an ANSI escape', 'Ada\u001b[31m', 'control_character'],
      ['a DEL', 'Ada\u007f', 'control_character'],
      ['a C1 control (CSI)', 'Ada\u009b31m', 'control_character'],
      ['a right-to-left override (U+202E)', 'Ada\u202eecalevoL', 'bidi_control'],
      ['a left-to-right override (U+202D)', '\u202dAda', 'bidi_control'],
      ['a left-to-right embedding (U+202A)', '\u202aAda', 'bidi_control'],
      ['a right-to-left embedding (U+202B)', '\u202bAda', 'bidi_control'],
      ['a pop directional formatting (U+202C)', 'Ada\u202c', 'bidi_control'],
      ['a left-to-right isolate (U+2066)', '\u2066Ada\u2069', 'bidi_control'],
      ['a right-to-left isolate (U+2067)', '\u2067Ada', 'bidi_control'],
      ['a first-strong isolate (U+2068)', '\u2068Ada', 'bidi_control'],
      ['a pop directional isolate (U+2069)', 'Ada\u2069', 'bidi_control'],
      ['a left-to-right mark (U+200E)', 'Ada\u200e', 'bidi_control'],
      ['a right-to-left mark (U+200F)', 'Ada\u200f (admin)', 'bidi_control'],
      ['an Arabic letter mark (U+061C)', 'Ada\u061c', 'bidi_control'],
      [
        'hidden tag characters (ASCII smuggling)',
        `Ada${[...'ignore all'].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('')}`,
        'format_character',
      ],
      ['a language tag (U+E0001)', 'Ada\u{E0001}\u{E0065}\u{E006E}', 'format_character'],
      ['an interlinear annotation (U+FFF9…U+FFFB)', 'Ada\ufff9hidden\ufffashown\ufffb', 'format_character'],
      ['a deprecated shaping control (U+206E)', 'Ada\u206e123', 'format_character'],
      ['a MIME encoded word, which a mail reader would decode into other text', '=?utf-8?Q?Security_Team?=', 'encoded_word'],
      ['an encoded word after a real name', 'Ada =?utf-8?B?U2VjdXJpdHk=?=', 'encoded_word'],
      ['201 characters', 'n'.repeat(201), 'too_long'],
    ])('%s', (_label, name, reason) => {
      expect(named(name)).toStrictEqual({ ok: true, template: 'welcome', event: unnamed(), nameDropped: reason });
    });

    it('a name of a million characters › dropped as too long, not the event', () => {
      expect(named('n'.repeat(1_000_000 - 200))).toStrictEqual({ ok: true, template: 'welcome', event: unnamed(), nameDropped: 'too_long' });
    });

    it('an event without a locale and a bad name › keeps every other field it had', () => {
      const result = parseEvent(bytes({ ...event(), user: { id: 'user-42', email: EMAIL, name: 'Ada\u202e' } }));
      expect(result).toStrictEqual({
        ok: true,
        template: 'welcome',
        event: { ...event(), user: { id: 'user-42', email: EMAIL } },
        nameDropped: 'bidi_control',
      });
    });
  });

  describe('when the name is bad and so is something else › the event is still refused', () => {
    it('an invalid address › refused as an invalid address, echoing neither the address nor the name', () => {
      const error = refused(named('Ada\r\nBcc: victim@evil.test', { email: 'a@good.test\r\nRCPT TO:<b@evil.test>' }));
      expect(error).toBe('schema violation: user.email: invalid email address');
      expect(error).not.toContain('victim');
    });

    it('a type no template set serves › reported as unmapped before its name is looked at', () => {
      const result = parseEvent(bytes(event({ type: 'user.deleted' }, { name: 'Ada\u202e' })));
      expect(refused(result)).toBe('type: no template set for "user.deleted" (served: user.signed_up)');
      expect(result).toMatchObject({ unmappedType: 'user.deleted', eventId: 'evt-0001' });
    });

    it('a name that is not a string › refused, naming the field: a producer bug, not a name someone typed', () => {
      expect(refused(named(['Ada']))).toMatch(/^schema violation: user\.name: /);
    });
  });
});
