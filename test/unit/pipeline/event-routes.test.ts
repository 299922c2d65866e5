import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { fieldProblem, WELCOME_ONLY } from '../../../src/pipeline/event-routes.js';

describe('fieldProblem', () => {
  it.each([
    ['https://acme.test/verify?t=a1&u=2#x', undefined],
    ['http://localhost:8080/v', undefined],
    ['https://acme.test/a b', 'must be an absolute http(s) URL of printable ASCII'],
    ['https://acme.test/ä', 'must be an absolute http(s) URL of printable ASCII'],
    ['https://acme.test/<script>', 'must be an absolute http(s) URL of printable ASCII'],
    ['https://acme.test/`x`', 'must be an absolute http(s) URL of printable ASCII'],
    ['data:text/html,<b>', 'must be an absolute http(s) URL of printable ASCII'],
    ['JavaScript://%0aalert(1)', 'must be an absolute http(s) URL of printable ASCII'],
    ['https://', 'must be an absolute http(s) URL of printable ASCII'],
    [`https://acme.test/${'a'.repeat(2048)}`, 'longer than 2048 characters'],
  ])('url %s › %s', (value, problem) => {
    expect(fieldProblem('url', value)).toBe(problem);
  });

  it.each([
    ['Ada Byron', undefined],
    ['山田 太郎', undefined],
    ['a\tb', 'must not contain line breaks, control or bidi control characters'],
    ['a\u2028b', 'must not contain line breaks, control or bidi control characters'],
    ['a\u202eb', 'must not contain line breaks, control or bidi control characters'],
    ['x'.repeat(501), 'longer than 500 characters'],
    ['', 'must not be empty'],
  ])('text %j › %s', (value, problem) => {
    expect(fieldProblem('text', value)).toBe(problem);
  });

  it('any string accepted as a url is an http(s) URL with nothing that ends an attribute, a <…> or a line', () => {
    const urlish = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.tuple(fc.constantFrom('https://', 'http://', 'javascript:', 'HTTPS://'), fc.string({ unit: 'binary' })).map(([a, b]) => a + b),
    );
    fc.assert(
      fc.property(urlish, (value) => {
        if (fieldProblem('url', value) !== undefined) return;
        expect(value).toMatch(/^https?:\/\//);
        expect(value).not.toMatch(/["<>`\\\s\p{Cc}]/u);
      }),
      { numRuns: 500 },
    );
    // Several seconds on a loaded 2-core machine (CI runs it beside the other unit files).
  }, 30_000);

  it('any string accepted as text has no line break, control or bidi control', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        if (fieldProblem('text', value) === undefined) expect(value).not.toMatch(/[\p{Cc}\p{Bidi_Control}\u2028\u2029]/u);
      }),
      { numRuns: 500 },
    );
  });

  it('anything but a string › named, never shown', () => {
    expect([undefined, null, 1, {}, ['https://a.test']].map((v) => fieldProblem('url', v))).toEqual([
      'missing',
      'missing',
      'must be a string',
      'must be a string',
      'must be a string',
    ]);
  });
});

describe('WELCOME_ONLY', () => {
  it('serves sign-ups with the welcome set and nothing else: a templates folder without a manifest', () => {
    expect([...WELCOME_ONLY]).toEqual([['user.signed_up', { template: 'welcome', fields: {} }]]);
  });
});
