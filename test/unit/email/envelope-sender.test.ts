import { describe, expect, it } from 'vitest';

import { signupEvent } from '../../../dev/signup-event.js';
import { envelopeSender } from '../../../src/email/envelope-sender.js';
import { renderWelcomeEmail } from '../../../src/email/render-welcome-email.js';
import { parseEvent } from '../../../src/intake/parse-event.js';

const event = (eventId: string) => {
  const parsed = parseEvent(Buffer.from(JSON.stringify(signupEvent(eventId))));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.event;
};

describe('envelopeSender (EMAIL_ENVELOPE_FROM)', () => {
  it('puts the event id in the {eventId} tag (VERP-style), so a late bounce names its event', () => {
    expect(envelopeSender('bounces+{eventId}@bounce.acme.test', 'evt-42')).toBe('bounces+evt-42@bounce.acme.test');
    expect(envelopeSender('bounces@bounce.acme.test', 'evt-42')).toBe('bounces@bounce.acme.test');
  });

  it.each([
    ['an id over the 64-octet local part', 'e'.repeat(100)],
    ['an id with two dots in a row', 'a..b'],
    ['an id ending in a dot', 'a.'],
  ])('%s › tagged with a hash of the id instead, still a valid address', (_label, eventId) => {
    const sender = envelopeSender('bounces+{eventId}@bounce.acme.test', eventId);
    expect(sender).toMatch(/^bounces\+h-[0-9a-f]{20}@bounce\.acme\.test$/);
    expect(envelopeSender('bounces+{eventId}@bounce.acme.test', eventId)).toBe(sender);
  });

  it('renderWelcomeEmail sets the envelope sender of the event from the site', () => {
    const mail = renderWelcomeEmail(event('evt-7'), { from: 'Acme <welcome@acme.test>', domain: 'acme.test', envelopeFrom: 'bounces+{eventId}@acme.test' });
    expect(mail.envelopeFrom).toBe('bounces+evt-7@acme.test');
    expect(renderWelcomeEmail(event('evt-7'), { from: 'Acme <welcome@acme.test>', domain: 'acme.test' }).envelopeFrom).toBeUndefined();
  });
});
