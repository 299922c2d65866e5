import { describe, expect, it } from 'vitest';

import { compileHeaders } from '../../../../src/email/templates/template-headers.js';

const EVENT = { eventId: 'evt-1', user: { id: 'user 42/ä' }, data: { verificationUrl: 'https://acme.test/v?t=1&x=2' } };
const FIELDS = { verificationUrl: 'url' } as const;

/** The compiled headers and every problem, as the manifest loader gets them. */
function compile(raw: Record<string, unknown>) {
  const problems: string[] = [];
  const headers = compileHeaders(raw, FIELDS, (header, message) => problems.push(`${header}: ${message}`));
  return { headers, problems };
}

describe('compileHeaders', () => {
  it('the three headers an operator may set › written in their canonical case, static ones as given', () => {
    const { headers, problems } = compile({
      'feedback-id': 'verify:acme:esp',
      'List-Unsubscribe': '<mailto:unsubscribe@acme.test>, <https://acme.test/u>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(problems).toEqual([]);
    expect(headers?.(EVENT)).toEqual([
      ['Feedback-ID', 'verify:acme:esp'],
      ['List-Unsubscribe', '<mailto:unsubscribe@acme.test>, <https://acme.test/u>'],
      ['List-Unsubscribe-Post', 'List-Unsubscribe=One-Click'],
    ]);
  });

  it('List-Unsubscribe with placeholders › each event value percent-encoded into the URL, nothing else of it', () => {
    const { headers, problems } = compile({ 'List-Unsubscribe': '<https://acme.test/u?user={user.id}&e={eventId}&from={data.verificationUrl}>' });
    expect(problems).toEqual([]);
    expect(headers?.(EVENT)).toEqual([
      ['List-Unsubscribe', '<https://acme.test/u?user=user%2042%2F%C3%A4&e=evt-1&from=https%3A%2F%2Facme.test%2Fv%3Ft%3D1%26x%3D2>'],
    ]);
  });

  it('a value that would end the header line › cannot reach it: a line break in an event value is percent-encoded', () => {
    const { headers } = compile({ 'List-Unsubscribe': '<https://acme.test/u?user={user.id}>' });
    expect(headers?.({ ...EVENT, user: { id: 'a\r\nBcc: evil@evil.test' } })?.[0]?.[1]).toBe('<https://acme.test/u?user=a%0D%0ABcc%3A%20evil%40evil.test>');
  });

  it('a value that makes the line longer than 998 characters › throws (that event\u2019s email cannot be composed)', () => {
    const { headers } = compile({ 'List-Unsubscribe': '<https://acme.test/u?user={user.id}>' });
    expect(() => headers?.({ ...EVENT, user: { id: '\u{1F600}'.repeat(128) } })).toThrow(/List-Unsubscribe would be longer than 998 characters/);
  });

  it('no headers › undefined (the composer adds nothing)', () => {
    expect(compile({}).headers).toBeUndefined();
  });

  it.each([
    ['X-Campaign', { 'X-Campaign': 'spring' }, 'X-Campaign: not a header a manifest may set (known: Feedback-ID, List-Unsubscribe, List-Unsubscribe-Post)'],
    ['Bcc', { Bcc: 'all@acme.test' }, 'Bcc: not a header a manifest may set'],
    ['a line break', { 'Feedback-ID': 'a:b\r\nBcc: x@evil.test' }, 'Feedback-ID: must be one line (no line breaks)'],
    ['a Unicode line separator', { 'Feedback-ID': 'a\u2028b' }, 'Feedback-ID: must be one line (no line breaks)'],
    ['a control character', { 'Feedback-ID': 'a\u0000b' }, 'Feedback-ID: must be printable ASCII'],
    ['non-ASCII', { 'Feedback-ID': 'campagne:été' }, 'Feedback-ID: must be printable ASCII'],
    ['an empty value', { 'Feedback-ID': ' ' }, 'Feedback-ID: expected a non-empty string'],
    ['a number', { 'Feedback-ID': 7 }, 'Feedback-ID: expected a non-empty string'],
    ['a placeholder in Feedback-ID', { 'Feedback-ID': 'a:{eventId}' }, 'Feedback-ID: takes no placeholders (only List-Unsubscribe does)'],
    ['an http URI', { 'List-Unsubscribe': '<http://acme.test/u>' }, 'List-Unsubscribe: expected <https://…> or <mailto:…> URIs'],
    ['a URI without angle brackets', { 'List-Unsubscribe': 'https://acme.test/u' }, 'List-Unsubscribe: expected <https://…> or <mailto:…> URIs'],
    ['a javascript: URI', { 'List-Unsubscribe': '<javascript:alert(1)>' }, 'List-Unsubscribe: expected <https://…> or <mailto:…> URIs'],
    [
      'a field the set does not have',
      { 'List-Unsubscribe': '<https://acme.test/u?t={data.token}>' },
      'List-Unsubscribe: {data.token} is not a field of this set (fields: verificationUrl; also {eventId}, {user.id})',
    ],
    [
      'an unknown placeholder',
      { 'List-Unsubscribe': '<https://acme.test/u?e={user.email}>' },
      'List-Unsubscribe: a placeholder is {eventId}, {user.id} or {data.<field>}',
    ],
    [
      'a one-click value other than RFC 8058\u2019s',
      { 'List-Unsubscribe': '<https://acme.test/u>', 'List-Unsubscribe-Post': 'One-Click' },
      'List-Unsubscribe-Post: must be "List-Unsubscribe=One-Click" (RFC 8058)',
    ],
    [
      'one-click without an https URI',
      { 'List-Unsubscribe': '<mailto:u@acme.test>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      'List-Unsubscribe-Post: needs a List-Unsubscribe with an https URI to post to (RFC 8058)',
    ],
    ['a header given twice in two cases', { 'Feedback-ID': 'a', 'feedback-id': 'b' }, 'feedback-id: set twice'],
    ['a value too long for a header line', { 'Feedback-ID': 'x'.repeat(900) }, 'Feedback-ID: longer than'],
  ])('%s › refused, naming the header', (_label, raw, problem) => {
    expect(compile(raw).problems).toEqual([expect.stringContaining(problem)]);
  });
});
