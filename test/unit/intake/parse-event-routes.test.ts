import { describe, expect, it } from 'vitest';

import { parseEvent } from '../../../src/intake/parse-event.js';
import type { EventRoute, EventRoutes } from '../../../src/pipeline/event-routes.js';

const ROUTES: EventRoutes = new Map<string, EventRoute>([
  ['user.signed_up', { template: 'welcome', fields: {} }],
  ['user.email_verification_requested', { template: 'verify-email', fields: { verificationUrl: 'url' } }],
  ['user.renamed', { template: 'renamed', fields: { previousName: 'text' } }],
]);
const URL = 'https://acme.test/verify?token=abc&u=1';

function event(type: string, data?: unknown, overrides: Record<string, unknown> = {}): Buffer {
  const value = {
    eventId: 'evt-1',
    type,
    occurredAt: '2024-05-01T12:30:00Z',
    user: { id: 'u-1', email: 'ada@example.test' },
    ...(data === undefined ? {} : { data }),
    ...overrides,
  };
  return Buffer.from(JSON.stringify(value));
}

describe('parseEvent with the templates\u2019 routes', () => {
  it('a mapped type › the event with its template set, its data kept for the templates', () => {
    const result = parseEvent(event('user.email_verification_requested', { verificationUrl: URL, extra: 1 }), ROUTES);
    expect(result).toMatchObject({
      ok: true,
      template: 'verify-email',
      event: { type: 'user.email_verification_requested', data: { verificationUrl: URL, extra: 1 } },
    });
  });

  it('a type no set serves › unmapped, with its type and event id, whatever else it lacks', () => {
    expect(parseEvent(event('order.placed', undefined, { user: undefined }), ROUTES)).toEqual({
      ok: false,
      error: 'type: no template set for "order.placed" (served: user.signed_up, user.email_verification_requested, user.renamed)',
      unmappedType: 'order.placed',
      eventId: 'evt-1',
    });
  });

  it('an unmapped type with an unreadable event id › unmapped, without an id', () => {
    const result = parseEvent(event('order.placed', undefined, { eventId: 'a b' }), ROUTES);
    expect(result).toMatchObject({ ok: false, unmappedType: 'order.placed' });
    expect(result).not.toHaveProperty('eventId');
  });

  it.each([
    ['missing', undefined, 'data.verificationUrl: missing (the verify-email template set needs it)'],
    ['not a string', { verificationUrl: 42 }, 'data.verificationUrl: must be a string'],
    ['empty', { verificationUrl: ' ' }, 'data.verificationUrl: must not be empty'],
    ['a javascript: link', { verificationUrl: 'javascript:alert(1)' }, 'data.verificationUrl: must be an absolute http(s) URL'],
    [
      'a link with a quote that would end the href',
      { verificationUrl: 'https://acme.test/"onmouseover=x' },
      'data.verificationUrl: must be an absolute http(s) URL',
    ],
    ['a link with a line break', { verificationUrl: 'https://acme.test/\r\nBcc: x' }, 'data.verificationUrl: must be an absolute http(s) URL'],
    ['a relative link', { verificationUrl: '/verify?t=1' }, 'data.verificationUrl: must be an absolute http(s) URL'],
    ['absent from a data object', {}, 'data.verificationUrl: missing'],
  ])('a field the set needs that is %s › invalid, naming the field and the set, never the value', (_label, data, reason) => {
    const result = parseEvent(event('user.email_verification_requested', data), ROUTES);
    expect(result).toMatchObject({ ok: false, template: 'verify-email', eventId: 'evt-1' });
    expect(result.ok ? '' : result.error).toContain(`schema violation: ${reason}`);
    expect(result.ok ? '' : result.error).not.toContain('acme.test');
  });

  it('a text field with a bidi control or a line break › invalid; an ordinary one › kept', () => {
    expect(parseEvent(event('user.renamed', { previousName: 'Ada\u202eevil' }), ROUTES)).toMatchObject({
      ok: false,
      error: expect.stringContaining('data.previousName: must not contain line breaks'),
    });
    expect(parseEvent(event('user.renamed', { previousName: 'Ada\nBcc' }), ROUTES)).toMatchObject({ ok: false, template: 'renamed' });
    expect(parseEvent(event('user.renamed', { previousName: 'Ada Byron' }), ROUTES)).toMatchObject({ ok: true, template: 'renamed' });
  });

  it('a field named like an Object method is looked up on the event\u2019s own data only', () => {
    const routes: EventRoutes = new Map<string, EventRoute>([['t.x', { template: 'x', fields: { constructor: 'text' as const } }]]);
    expect(parseEvent(event('t.x', {}), routes)).toMatchObject({ ok: false, error: expect.stringContaining('data.constructor: missing') });
  });

  it('a mapped type that breaks the contract › invalid, naming its template set', () => {
    expect(parseEvent(event('user.signed_up', undefined, { user: { id: 'u-1', email: 'not an address' } }), ROUTES)).toMatchObject({
      ok: false,
      template: 'welcome',
      error: expect.stringContaining('user.email'),
    });
  });

  it('data that is not an object › invalid', () => {
    expect(parseEvent(event('user.email_verification_requested', 'https://acme.test'), ROUTES)).toMatchObject({
      ok: false,
      error: expect.stringContaining('data: '),
    });
  });

  it('without routes › sign-ups only, as a templates folder without a manifest', () => {
    expect(parseEvent(event('user.signed_up'))).toMatchObject({ ok: true, template: 'welcome' });
    expect(parseEvent(event('user.email_verification_requested', { verificationUrl: URL }))).toMatchObject({
      ok: false,
      unmappedType: 'user.email_verification_requested',
    });
  });
});
