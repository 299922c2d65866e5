import { type AddressObject, simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';

import { signupEvent } from '../../../dev/signup-event.js';
import { composeWelcomeEmail } from '../../../src/email/compose-welcome-email.js';
import { renderWelcomeEmail, type WelcomeEmail } from '../../../src/email/render-welcome-email.js';
import { loadWelcomeTemplates } from '../../../src/email/templates/load-welcome-templates.js';
import { parseEvent } from '../../../src/intake/parse-event.js';
import type { SignupEvent } from '../../../src/pipeline/signup-event.js';

const FROM = 'Acme <welcome@acme.test>';
const SITE = { from: FROM, domain: 'acme.test' };

function signup(user: Partial<SignupEvent['user']> = {}, eventId = 'evt-0001'): SignupEvent {
  return signupEvent(eventId, { occurredAt: '2024-05-01T12:30:00Z', user: { id: 'user-42', email: 'ada@example.test', name: 'Ada', ...user } });
}

/** The bytes and envelope the service sends (src/smtp/mailer.ts). */
async function compose(mail: WelcomeEmail): Promise<{ raw: Buffer; envelope: { from: string; to: string[] } }> {
  const { raw, envelope } = await composeWelcomeEmail(mail);
  return { raw, envelope };
}

/** The header block of a raw message, unfolded: one entry per header field. */
function headerFields(raw: string): string[] {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
  return head.split(/\r\n(?![ \t])/).map((field) => field.replace(/\r\n[ \t]/g, ' '));
}

const named = (fields: string[], name: string) => fields.filter((field) => field.toLowerCase().startsWith(`${name.toLowerCase()}:`));

describe('renderWelcomeEmail', () => {
  describe('when the user has a name', () => {
    const mail = renderWelcomeEmail(signup({ name: 'Ada Lovelace' }), SITE);

    it('greets the user in the subject', () => {
      expect(mail.subject).toBe('Welcome, Ada Lovelace!');
    });

    it('addresses the user as a structured {name, address}, never a "Name <addr>" string', () => {
      expect(mail.to).toEqual({ name: 'Ada Lovelace', address: 'ada@example.test' });
    });

    it('sends from the configured From', () => {
      expect(mail.from).toBe(FROM);
    });

    it('greets the user in the text and HTML bodies', () => {
      expect(mail.text.split('\n')[0]).toBe('Welcome, Ada Lovelace!');
      expect(mail.html).toContain('<h1>Welcome, Ada Lovelace!</h1>');
    });
  });

  describe('when the user has no name', () => {
    it.each([
      ['absent', undefined],
      ['empty', ''],
      ['only spaces', '   '],
    ])('name %s › the subject is "Welcome!" and the recipient name is empty', (_label, name) => {
      const mail = renderWelcomeEmail(signup({ name }), SITE);
      expect(mail.subject).toBe('Welcome!');
      expect(mail.to).toEqual({ name: '', address: 'ada@example.test' });
      expect(mail.html).toContain('<h1>Welcome!</h1>');
    });
  });

  describe('when the name is written with joiners or emoji sequences', () => {
    it.each([
      ['Persian with a ZWNJ', 'می\u200cخواهم'],
      ['Hindi with a ZWJ', 'लक्\u200dष्मी'],
      ['Malayalam with ZWJ chillus', 'അന്\u200dവര്\u200d'],
      ['a ZWJ emoji family', '\u{1F468}\u200d\u{1F469}\u200d\u{1F467} Smith'],
    ])('%s › greets the user by the name exactly as given, in the subject, both bodies and the To name', (_label, name) => {
      const mail = renderWelcomeEmail(signup({ name }), SITE);
      expect(mail.subject).toBe(`Welcome, ${name}!`);
      expect(mail.to).toEqual({ name, address: 'ada@example.test' });
      expect(mail.text.split('\n')[0]).toBe(`Welcome, ${name}!`);
      expect(mail.html).toContain(`<h1>Welcome, ${name}!</h1>`);
    });
  });

  describe('when the name has nothing a reader would see', () => {
    it.each([
      ['only a zero-width joiner', '\u200d'],
      ['joiners and spaces', ' \u200c\u200d '],
      ['a zero-width space and a word joiner', '\u200b\u2060'],
      ['a lone variation selector', '\ufe0f'],
    ])('%s › the subject is "Welcome!" and the recipient name is empty', (_label, name) => {
      const mail = renderWelcomeEmail(signup({ name }), SITE);
      expect(mail.subject).toBe('Welcome!');
      expect(mail.to).toEqual({ name: '', address: 'ada@example.test' });
      expect(mail.html).toContain('<h1>Welcome!</h1>');
    });
  });

  describe('when parseEvent dropped the name, because only the name was bad', () => {
    /** The event as the dispatcher gets it: through parseEvent, which drops a name that could disguise or inject. */
    function renderParsed(name: string): WelcomeEmail {
      const parsed = parseEvent(Buffer.from(JSON.stringify(signup({ name }))));
      if (!parsed.ok) throw new Error(`parseEvent refused the event: ${parsed.error}`);
      return renderWelcomeEmail(parsed.event, SITE);
    }

    it.each([
      ['a right-to-left override (U+202E)', 'Ada\u202eecalevoL'],
      ['CR/LF and a Bcc', 'Ada\r\nBcc: victim@evil.test'],
      ['an encoded word', '=?utf-8?Q?Security_Team?='],
    ])('%s › the email still goes to the user, greeted without a name', (_label, name) => {
      const mail = renderParsed(name);
      expect(mail.to).toEqual({ name: '', address: 'ada@example.test' });
      expect(mail.subject).toBe('Welcome!');
      expect(mail.text.split('\n')[0]).toBe('Welcome!');
      expect(mail.html).toContain('<h1>Welcome!</h1>');
      expect(`${mail.subject}${mail.text}${mail.html}`).not.toMatch(/\u202e|Bcc|evil|Security/);
    });
  });

  it('when the name has surrounding spaces › trims them', () => {
    const mail = renderWelcomeEmail(signup({ name: '  Ada  ' }), SITE);
    expect(mail.subject).toBe('Welcome, Ada!');
    expect(mail.to.name).toBe('Ada');
  });

  describe('Message-ID', () => {
    it('is <eventId@domain>', () => {
      expect(renderWelcomeEmail(signup({}, 'evt-7.a_b'), SITE).messageId).toBe('<evt-7.a_b@acme.test>');
    });

    it('is the same when the same event is rendered again (a redelivery)', () => {
      expect(renderWelcomeEmail(signup({}, 'evt-9'), SITE).messageId).toBe(renderWelcomeEmail(signup({ name: 'Other' }, 'evt-9'), SITE).messageId);
    });

    it('differs between events', () => {
      expect(renderWelcomeEmail(signup({}, 'evt-1'), SITE).messageId).not.toBe(renderWelcomeEmail(signup({}, 'evt-2'), SITE).messageId);
    });

    it('uses the given domain', () => {
      expect(renderWelcomeEmail(signup({}, 'evt-1'), { from: FROM, domain: 'mail.acme.test' }).messageId).toBe('<evt-1@mail.acme.test>');
    });
  });

  describe('when the name is hostile HTML', () => {
    const name = `<script>alert("x")</script> & 'friends'`;
    const mail = renderWelcomeEmail(signup({ name }), SITE);

    it('escapes it in the HTML body', () => {
      expect(mail.html).not.toContain('<script');
      // Handlebars' escaping: the apostrophe as &#x27; (escape-html, before templates, wrote &#39;).
      expect(mail.html).toContain('<h1>Welcome, &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;friends&#x27;!</h1>');
    });

    it('keeps it verbatim in the plain-text body and subject, where it is inert', () => {
      expect(mail.text).toContain(`Welcome, ${name}!`);
      expect(mail.subject).toBe(`Welcome, ${name}!`);
    });
  });

  it('sets the HTML lang (and dir) from the locale of the templates chosen, defaulting to en', () => {
    expect(renderWelcomeEmail(signup({ locale: 'pt-BR' }), SITE).html).toContain('<html dir="ltr" lang="pt-BR">');
    expect(renderWelcomeEmail(signup({ locale: undefined }), SITE).html).toContain('<html dir="ltr" lang="en">');
  });
});

describe('renderWelcomeEmail with templates', () => {
  const shipped = loadWelcomeTemplates({ dir: '', defaultLocale: 'en', vars: {} });

  it.each(shipped.locales)('%s › the name, recipient and Message-ID come from the event, not the template', (locale) => {
    const mail = renderWelcomeEmail(signup({ name: '  Zoë\u200d  ', locale }, 'evt-42'), { ...SITE, templates: shipped });
    expect(mail.to).toEqual({ name: 'Zoë\u200d', address: 'ada@example.test' });
    expect(mail.messageId).toBe('<evt-42@acme.test>');
    expect(mail.from).toBe(FROM);
    expect(mail.subject).toContain('Zoë\u200d');
  });

  it('uses the templates of the site it is given (EMAIL_TEMPLATES_DIR, EMAIL_DEFAULT_LOCALE), in the locale they negotiate', () => {
    const german = loadWelcomeTemplates({ dir: '', defaultLocale: 'de', vars: { product_name: 'Acme' } });
    const mail = renderWelcomeEmail(signup({ locale: 'it' }), { ...SITE, templates: german });
    expect(mail.subject).toBe('Willkommen, Ada!');
    expect(mail.text).toContain('Vielen Dank für Ihre Registrierung bei Acme.');
  });
});

describe('renderWelcomeEmail composed by nodemailer', () => {
  it('has exactly one To header, no Cc or Bcc, and the exact Message-ID', async () => {
    const raw = (await compose(renderWelcomeEmail(signup({ name: 'Ada Lovelace' }, 'evt-0001'), SITE))).raw.toString();
    const fields = headerFields(raw);
    expect(named(fields, 'To')).toEqual(['To: Ada Lovelace <ada@example.test>']);
    expect(named(fields, 'Cc')).toEqual([]);
    expect(named(fields, 'Bcc')).toEqual([]);
    expect(named(fields, 'Message-ID')).toEqual(['Message-ID: <evt-0001@acme.test>']);
    expect(named(fields, 'From')).toEqual([`From: ${FROM}`]);
  });

  it('the SMTP envelope has only the user as recipient', async () => {
    expect((await compose(renderWelcomeEmail(signup(), SITE))).envelope).toEqual({ from: 'welcome@acme.test', to: ['ada@example.test'] });
  });

  describe.each([
    ['an address list', 'Evil <x@evil.test>, other@evil.test'],
    ['a group', 'undisclosed: a@evil.test, b@evil.test;'],
    ['quotes and a second address', '"Ada" <x@evil.test>; y@evil.test'],
    ['a backslash before the quote', 'Ada\\" <x@evil.test>'],
    ['unicode and commas', 'Łukasz, Zoë <x@evil.test>'],
  ])('when the name is %s', (_label, name) => {
    const mail = renderWelcomeEmail(signup({ name }), SITE);

    it('the envelope still has exactly the user', async () => {
      expect((await compose(mail)).envelope.to).toEqual(['ada@example.test']);
    });

    it('the message has one To header with exactly one mailbox: the user, named verbatim', async () => {
      const { raw } = await compose(mail);
      const fields = headerFields(raw.toString());
      expect(named(fields, 'To')).toHaveLength(1);
      expect(named(fields, 'Cc')).toEqual([]);
      expect(named(fields, 'Bcc')).toEqual([]);
      const parsed = await simpleParser(raw);
      const to = parsed.to as AddressObject;
      expect(to.value).toEqual([expect.objectContaining({ address: 'ada@example.test', name })]);
      expect(parsed.cc).toBeUndefined();
      expect(parsed.bcc).toBeUndefined();
    });
  });

  it('when the name is an RFC 2047 encoded word › it is still one mailbox, the user (a reader may decode the word for display)', async () => {
    const { raw } = await compose(renderWelcomeEmail(signup({ name: '=?utf-8?Q?x@evil.test?= , y@evil.test' }), SITE));
    expect(named(headerFields(raw.toString()), 'To')).toHaveLength(1);
    const parsed = await simpleParser(raw);
    expect((parsed.to as AddressObject).value.map((mailbox) => mailbox.address)).toEqual(['ada@example.test']);
  });
});
