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

  it('anything but a string › named, never shown', () => {
    expect([undefined, null, 1, {}, ['https://a.test']].map((v) => fieldProblem('url', v))).toEqual(['missing', 'missing', 'must be a string', 'must be a string', 'must be a string']);
  });
});

describe('WELCOME_ONLY', () => {
  it('serves sign-ups with the welcome set and nothing else: a templates folder without a manifest', () => {
    expect([...WELCOME_ONLY]).toEqual([['user.signed_up', { template: 'welcome', fields: {} }]]);
  });
});
