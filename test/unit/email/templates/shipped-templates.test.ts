import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadWelcomeTemplates, type WelcomeTemplates } from '../../../../src/email/templates/load-welcome-templates.js';
import { shippedTemplatesDir } from '../../../../src/email/templates/shipped-templates-dir.js';

/** The locales the service must ship, with the greeting a reader sees with and without a name. */
const GREETINGS: Record<string, readonly [named: string, nameless: string]> = {
  en: ['Welcome, Ada Lovelace!', 'Welcome!'],
  de: ['Willkommen, Ada Lovelace!', 'Willkommen!'],
  es: ['¡Te damos la bienvenida, Ada Lovelace!', '¡Te damos la bienvenida!'],
  fr: ['Bienvenue, Ada Lovelace\u202f!', 'Bienvenue\u202f!'],
  'pt-BR': ['Boas-vindas, Ada Lovelace!', 'Boas-vindas!'],
  ja: ['Ada Lovelaceさん、ようこそ！', 'ようこそ！'],
  fa: ['خوش آمدید، Ada Lovelace!', 'خوش آمدید!'],
};
const LOCALES = Object.keys(GREETINGS);
const VALUES = { product_name: 'Acme Cloud', support_email: 'help@acme.test', help_url: 'https://acme.test/start?a=1&b=2' };

const shipped = loadWelcomeTemplates({ dir: '', defaultLocale: 'en', vars: {} });
const withValues = loadWelcomeTemplates({ dir: '', defaultLocale: 'en', vars: VALUES });
const render = (templates: WelcomeTemplates, locale: string, name = 'Ada Lovelace') => templates.render({ name, email: 'ada@example.test', locale });

describe('the shipped templates', () => {
  it('live in templates/welcome/ beside package.json and cover at least en, de, es, fr, pt-BR, ja and fa', () => {
    expect(shipped.dir).toBe(path.join(shippedTemplatesDir(), 'welcome'));
    expect(shippedTemplatesDir()).toMatch(/\/templates$/);
    expect(shipped.locales).toEqual(expect.arrayContaining(LOCALES));
  });

  it('keep the English email as it was before templates, plus the line naming the recipient', () => {
    const mail = render(shipped, 'en');
    expect(mail.subject).toBe('Welcome, Ada Lovelace!');
    expect(mail.text).toBe(
      [
        'Welcome, Ada Lovelace!',
        '',
        'Thanks for signing up. Your account is ready.',
        '',
        'If you did not create this account, you can ignore this email.',
        '',
        'This email was sent to ada@example.test.',
      ].join('\n'),
    );
    expect(mail.html).toMatch(/^<!doctype html>\n<html dir="ltr" lang="en">\n/);
    expect(mail.html).toContain(
      '<h1>Welcome, Ada Lovelace!</h1>\n<p>Thanks for signing up. Your account is ready.</p>\n<p>If you did not create this account, you can ignore this email.</p>',
    );
  });

  describe.each(LOCALES)('%s', (locale) => {
    const [named, nameless] = GREETINGS[locale] as readonly [string, string];
    const mail = render(shipped, locale);

    it('is chosen for its own tag, and says which language and direction it is in', () => {
      expect(mail.locale).toBe(locale);
      const dir = locale === 'fa' ? 'rtl' : 'ltr';
      expect(mail.html).toContain(`<html dir="${dir}" lang="${locale}">`);
    });

    it('greets the user by name in the subject, the text and the heading', () => {
      expect(mail.subject).toBe(named);
      expect(mail.text.split('\n')[0]).toBe(named);
      const heading = /<h1>(.*)<\/h1>/.exec(mail.html)?.[1];
      expect(heading?.replace(/<\/?bdi>/g, '')).toBe(named);
      expect(mail.html).toContain(`<title>${named}</title>`);
    });

    it('greets without a name when there is none', () => {
      const anonymous = render(shipped, locale, '');
      expect(anonymous.subject).toBe(nameless);
      expect(anonymous.text.split('\n')[0]).toBe(nameless);
      expect(anonymous.html).toContain(`<h1>${nameless}</h1>`);
    });

    it('names the recipient, and leaves out the operator values while they are empty', () => {
      expect(mail.text).toContain('ada@example.test');
      expect(mail.html).toContain('ada@example.test');
      expect(`${mail.text}${mail.html}`).not.toMatch(/mailto:|href="http|\{\{|\}\}|undefined/);
    });

    it('is written in its own language (not the English text)', () => {
      if (locale !== 'en') expect(mail.text.split('\n')[2]).not.toBe(render(shipped, 'en').text.split('\n')[2]);
    });

    it('shows the product name, the getting-started link and the support address once set, escaped in HTML', () => {
      const branded = render(withValues, locale);
      expect(branded.text).toContain('Acme Cloud');
      expect(branded.text).toContain(VALUES.help_url);
      expect(branded.text).toContain(VALUES.support_email);
      expect(branded.html).toContain('href="https://acme.test/start?a&#x3D;1&amp;b&#x3D;2"');
      expect(branded.html).toContain('href="mailto:help@acme.test"');
      expect(branded.subject).toBe(named);
    });
  });

  it('fa keeps a name or address in another script in its own order (<bdi>)', () => {
    const mail = render(shipped, 'fa');
    expect(mail.html).toContain('<h1>خوش آمدید، <bdi>Ada Lovelace</bdi>!</h1>');
    expect(mail.html).toContain('<bdi>ada@example.test</bdi>');
  });

  it('negotiate the user\u2019s locale: region to language, unknown to English', () => {
    expect(
      ['de-AT', 'fa-IR', 'pt_BR', 'ja-JP', 'es-419', 'fr-CA', 'it', undefined].map((locale) => shipped.render({ name: '', email: 'a@b.test', locale }).locale),
    ).toEqual(['de', 'fa', 'pt-BR', 'ja', 'es', 'fr', 'en', 'en']);
  });
});
