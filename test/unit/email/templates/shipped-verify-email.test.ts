import { describe, expect, it } from 'vitest';

import { loadTemplateCatalog } from '../../../../src/email/templates/load-template-catalog.js';

/** The verify-email set in every shipped locale, with its subject: what a reader sees first. */
const SUBJECTS: Record<string, string> = {
  en: 'Confirm your email address',
  de: 'Bestätigen Sie Ihre E-Mail-Adresse',
  es: 'Confirma tu dirección de correo',
  fr: 'Confirmez votre adresse e-mail',
  'pt-BR': 'Confirme seu endereço de e-mail',
  ja: 'メールアドレスの確認',
  fa: 'نشانی ایمیل خود را تأیید کنید',
};
const LINK = 'https://acme.test/verify?token=a1&user=42';
const set = loadTemplateCatalog({ dir: '', defaultLocale: 'en', vars: {} }).set('verify-email');
const withValues = loadTemplateCatalog({ dir: '', defaultLocale: 'en', vars: { product_name: 'Acme Cloud' } }).set('verify-email');
const render = (locale: string, name = 'Ada Lovelace', templates = set) =>
  templates.render({ name, email: 'ada@example.test', locale, data: { verificationUrl: LINK } });

describe('the shipped verify-email templates', () => {
  it('cover every shipped locale and need one field, the link', () => {
    expect(set.locales).toEqual(Object.keys(SUBJECTS).sort());
    expect(set.fields).toEqual({ verificationUrl: 'url' });
  });

  describe.each(Object.keys(SUBJECTS))('%s', (locale) => {
    const mail = render(locale);

    it('says what to do in the subject and the heading, in its language and direction', () => {
      expect(mail.locale).toBe(locale);
      expect(mail.subject).toBe(SUBJECTS[locale]);
      expect(mail.html).toContain(`<h1>${SUBJECTS[locale]}</h1>`);
      expect(mail.html).toContain(`<html dir="${locale === 'fa' ? 'rtl' : 'ltr'}" lang="${locale}">`);
    });

    it('gives the link on a line of its own in the text, and as the button and the copyable link in HTML (escaped)', () => {
      expect(mail.text.split('\n')).toContain(LINK);
      const escaped = LINK.replace(/&/g, '&amp;').replace(/=/g, '&#x3D;');
      expect(mail.html).toContain(`<a class="button" href="${escaped}">`);
      expect(mail.html.split(`href="${escaped}"`)).toHaveLength(3);
    });

    it('greets by name, and without one when there is none', () => {
      expect(mail.text.split('\n')[0]).toContain('Ada Lovelace');
      const anonymous = render(locale, '');
      expect(anonymous.text.split('\n')[0]).not.toContain('Ada');
      expect(anonymous.subject).toBe(SUBJECTS[locale]);
    });

    it('names the product when the operator sets it, and the recipient', () => {
      expect(render(locale, 'Ada', withValues).text).toContain('Acme Cloud');
      expect(mail.text).toContain('ada@example.test');
    });
  });

  it('fa keeps a Latin name and the link in their own order (bdi)', () => {
    const mail = render('fa');
    expect(mail.html).toContain('<bdi>Ada Lovelace</bdi>');
    expect(mail.html).toContain('<bdi>https://acme.test/verify?token&#x3D;a1&amp;user&#x3D;42</bdi>');
  });
});
