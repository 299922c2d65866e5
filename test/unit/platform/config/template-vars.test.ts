import { describe, expect, it } from 'vitest';

import { loadConfig, unknownServiceVariables } from '../../../../src/platform/config/config.js';
import { readTemplateVars } from '../../../../src/platform/config/template-vars.js';
import { ConfigError } from '../../../../src/platform/service-error.js';

const REQUIRED = { KAFKA_BROKERS: 'kafka:9092', SMTP_HOST: 'smtp', EMAIL_FROM: 'welcome@acme.test' };

describe('readTemplateVars', () => {
  it('maps EMAIL_TEMPLATE_VARS_<NAME> to the value name in lower case', () => {
    expect(readTemplateVars({ EMAIL_TEMPLATE_VARS_PRODUCT_NAME: 'Acme', EMAIL_TEMPLATE_VARS_HELP_URL: 'https://acme.test/help', EMAIL_FROM: 'x' })).toEqual({
      vars: { help_url: 'https://acme.test/help', product_name: 'Acme' },
      problems: [],
    });
  });

  it.each([
    'EMAIL_TEMPLATE_VARS_',
    'EMAIL_TEMPLATE_VARS_product',
    'EMAIL_TEMPLATE_VARS_PRODUCT__NAME',
    'EMAIL_TEMPLATE_VARS_1ST',
    'EMAIL_TEMPLATE_VARS_PRODUCT-NAME',
  ])('refuses the name %s, saying the form', (name) => {
    expect(readTemplateVars({ [name]: 'x' }).problems).toEqual([
      `${name}: expected EMAIL_TEMPLATE_VARS_ then upper-case letters, digits and single underscores, e.g. EMAIL_TEMPLATE_VARS_PRODUCT_NAME`,
    ]);
  });

  it.each([
    ['a line break', 'Acme\r\nBcc: x'],
    ['a tab', 'A\tB'],
    ['a line separator', 'A\u2028B'],
  ])('refuses a value with %s, without echoing it', (_label, value) => {
    expect(readTemplateVars({ EMAIL_TEMPLATE_VARS_PRODUCT_NAME: value }).problems).toEqual([
      'EMAIL_TEMPLATE_VARS_PRODUCT_NAME: must not contain line breaks or control characters',
    ]);
  });

  it('keeps an empty value (it turns a part of a template off)', () => {
    expect(readTemplateVars({ EMAIL_TEMPLATE_VARS_HELP_URL: '' }).vars).toEqual({ help_url: '' });
  });
});

describe('the configuration › email templates', () => {
  it('defaults to the shipped templates in English, with no operator values', () => {
    const { email } = loadConfig(REQUIRED);
    expect([email.templatesDir, email.defaultLocale, email.templateVars]).toEqual(['', 'en', {}]);
  });

  it('carries EMAIL_TEMPLATES_DIR, EMAIL_DEFAULT_LOCALE and the values, frozen', () => {
    const { email } = loadConfig({
      ...REQUIRED,
      EMAIL_TEMPLATES_DIR: '/etc/email-dispatcher/templates',
      EMAIL_DEFAULT_LOCALE: 'de',
      EMAIL_TEMPLATE_VARS_PRODUCT_NAME: 'Acme',
    });
    expect([email.templatesDir, email.defaultLocale, email.templateVars]).toEqual(['/etc/email-dispatcher/templates', 'de', { product_name: 'Acme' }]);
    expect(Object.isFrozen(email.templateVars)).toBe(true);
  });

  it('a bad EMAIL_TEMPLATE_VARS_* is one problem line among the others (exit 2)', () => {
    const error = (() => {
      try {
        loadConfig({ ...REQUIRED, EMAIL_TEMPLATE_VARS_bad: 'x', EMAIL_DEFAULT_LOCALE: '' });
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error('accepted');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^EMAIL_TEMPLATE_VARS_bad: /), expect.stringMatching(/^EMAIL_DEFAULT_LOCALE: /)]),
    );
  });

  it('EMAIL_TEMPLATE_VARS_* are not reported as variables the service does not read', () => {
    expect(unknownServiceVariables({ EMAIL_TEMPLATE_VARS_PRODUCT_NAME: 'Acme', EMAIL_TEMPLATES_DIRS: '/x' })).toEqual(['EMAIL_TEMPLATES_DIRS']);
  });
});
