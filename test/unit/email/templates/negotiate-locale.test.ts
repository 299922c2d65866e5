import { describe, expect, it } from 'vitest';

import { canonicalLocale, createLocaleNegotiator, textDirection } from '../../../../src/email/templates/negotiate-locale.js';

const SHIPPED = ['de', 'en', 'es', 'fa', 'fr', 'ja', 'pt-BR'];

describe('createLocaleNegotiator', () => {
  const negotiate = createLocaleNegotiator([...SHIPPED, 'zh-Hant'], 'en');

  it.each([
    ['an exact tag', 'pt-BR', 'pt-BR'],
    ['a language alone', 'de', 'de'],
    ['a region the templates do not have › its language', 'de-AT', 'de'],
    ['a script and a region › the tag less its region', 'zh-Hant-TW', 'zh-Hant'],
    ['another case', 'PT-br', 'pt-BR'],
    ['an underscore, as Java and POSIX write it', 'pt_BR', 'pt-BR'],
    ['a deprecated code (iw is he, not present)', 'iw', 'en'],
    ['a variant', 'de-CH-1901', 'de'],
    ['a private-use extension', 'fa-x-informal', 'fa'],
    ['a Unicode extension', 'ja-JP-u-ca-japanese', 'ja'],
  ])('%s (%s) › %s', (_label, requested, chosen) => {
    expect(negotiate(requested)).toBe(chosen);
  });

  it.each([
    ['no locale', undefined],
    ['an empty locale', ''],
    ['a language with no templates', 'it'],
    ['pt without a folder of its own (pt-BR is a region, never guessed)', 'pt-PT'],
    ['a tag Intl refuses', 'en-US-US'],
  ])('%s › the default locale', (_label, requested) => {
    expect(negotiate(requested)).toBe('en');
  });

  it('answers only locales it was given or the default: a bounded metric label, whatever arrives', () => {
    const answers = new Set(['xx', 'aa-bb', 'en-GB', 'de_DE', 'ja-Latn', 'zz-Zzzz-ZZ', 'qaa-x-private'].map(negotiate));
    for (const answer of answers) expect([...SHIPPED, 'zh-Hant']).toContain(answer);
  });

  it('gives the same answer from memory once it forgot earlier tags (more distinct tags than it keeps)', () => {
    for (let i = 0; i < 3000; i += 1) expect(negotiate(`de-x-n${i}`)).toBe('de');
    expect(negotiate('pt_BR')).toBe('pt-BR');
  });
});

describe('canonicalLocale', () => {
  it.each([
    ['pt_br', 'pt-BR'],
    ['EN-gb', 'en-GB'],
    ['iw', 'he'],
    ['zh-hant-tw', 'zh-Hant-TW'],
  ])('%s › %s', (tag, canonical) => {
    expect(canonicalLocale(tag)).toBe(canonical);
  });

  it.each(['en-US-US', 'not a tag', '-en'])('%s › undefined', (tag) => {
    expect(canonicalLocale(tag)).toBeUndefined();
  });
});

describe('textDirection', () => {
  it.each(['fa', 'ar', 'he', 'ur', 'ckb', 'ps', 'yi', 'dv', 'az-Arab'])('%s is written right to left', (locale) => {
    expect(textDirection(locale)).toBe('rtl');
  });

  it.each(['en', 'de', 'ja', 'pt-BR', 'zh-Hant', 'az', 'not a tag'])('%s is written left to right', (locale) => {
    expect(textDirection(locale)).toBe('ltr');
  });
});
