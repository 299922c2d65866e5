import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

import { loadTemplateCatalog } from '../../../../src/email/templates/load-template-catalog.js';
import { createMetrics } from '../../../../src/platform/metrics.js';
import { ConfigError } from '../../../../src/platform/service-error.js';

const PARTS = (greeting: string) => ({ 'subject.hbs': `${greeting}\n`, 'text.hbs': `${greeting} {{name}}\n`, 'html.hbs': `<p>${greeting}</p>\n` });
const MANIFEST = {
  templateSets: {
    welcome: { eventTypes: ['user.signed_up'] },
    'verify-email': { eventTypes: ['user.email_verification_requested', 'user.email_changed'], fields: { verificationUrl: 'url' } },
  },
};

/** A folder with a manifest, a welcome set and a verify-email set whose text shows the link. */
function valid(): Record<string, string | undefined> {
  return {
    'manifest.json': JSON.stringify(MANIFEST),
    'values.json': '{"product_name": "Acme"}',
    ...prefixed('welcome/en/', PARTS('Welcome')),
    ...prefixed('verify-email/en/', { ...PARTS('Confirm'), 'text.hbs': 'Open {{data.verificationUrl}} for {{vars.product_name}}\n' }),
  };
}

const prefixed = (prefix: string, files: Record<string, string>) => Object.fromEntries(Object.entries(files).map(([k, v]) => [`${prefix}${k}`, v]));

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(files: Record<string, string | undefined>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'catalog-'));
  dirs.push(dir);
  for (const [file, content] of Object.entries(files)) {
    if (content === undefined) continue;
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

const load = (dir: string) => loadTemplateCatalog({ dir, defaultLocale: 'en', vars: {} });

function problemsOf(dir: string): readonly string[] {
  try {
    load(dir);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('the folder was accepted');
}

describe('loadTemplateCatalog', () => {
  it('with a manifest › every set compiled, each type routed to its set with the fields it needs', () => {
    const catalog = load(folder(valid()));
    expect([...catalog.sets.keys()]).toEqual(['welcome', 'verify-email']);
    expect(Object.fromEntries(catalog.routes)).toEqual({
      'user.signed_up': { template: 'welcome', fields: {} },
      'user.email_verification_requested': { template: 'verify-email', fields: { verificationUrl: 'url' } },
      'user.email_changed': { template: 'verify-email', fields: { verificationUrl: 'url' } },
    });
    const mail = catalog
      .set('verify-email')
      .render({ name: 'Ada', email: 'a@example.test', locale: 'en', data: { verificationUrl: 'https://acme.test/v?t=1' } });
    expect(mail.text).toBe('Open https://acme.test/v?t=1 for Acme');
  });

  it('without a manifest › the locale folders at the top are the welcome set, for user.signed_up only (as before manifests)', () => {
    const dir = folder(prefixed('en/', PARTS('Hi')));
    const catalog = load(dir);
    expect(catalog.manifest).toBeUndefined();
    expect([...catalog.sets.keys()]).toEqual(['welcome']);
    expect(catalog.set('welcome').dir).toBe(dir);
    expect([...catalog.routes.keys()]).toEqual(['user.signed_up']);
  });

  it('counts renders by set and locale, every series at 0 from the start', async () => {
    const metrics = createMetrics({ registry: new Registry() });
    const catalog = loadTemplateCatalog({ dir: folder(valid()), defaultLocale: 'en', vars: {}, metrics });
    catalog.set('verify-email').render({ name: '', email: 'a@example.test', locale: 'de', data: { verificationUrl: 'https://acme.test/' } });
    const { values } = await metrics.emailsRendered.get();
    expect(values.map((v) => [v.labels.template, v.labels.locale, v.value])).toEqual([
      ['welcome', 'en', 0],
      ['verify-email', 'en', 1],
    ]);
  });

  it.each([
    [
      'a template naming a field of another set',
      { 'welcome/en/text.hbs': '{{data.verificationUrl}}\n' },
      /welcome\/en\/text\.hbs:1: unknown variable "data\.verificationUrl"/,
    ],
    [
      'a field the set does not declare',
      { 'verify-email/en/html.hbs': '<a href="{{data.token}}">x</a>\n' },
      /verify-email\/en\/html\.hbs:1: unknown variable "data\.token" \(known: .*data\.verificationUrl/,
    ],
    [
      'a set without its folder',
      { 'verify-email/en/subject.hbs': undefined, 'verify-email/en/text.hbs': undefined, 'verify-email/en/html.hbs': undefined },
      /verify-email: missing \(the manifest names the template set "verify-email"\)/,
    ],
    ['a folder the manifest names no set for', { 'reset-password/en/subject.hbs': 'x' }, /reset-password: a folder the manifest names no template set for/],
    ['a manifest that is not JSON', { 'manifest.json': '{' }, /manifest\.json: not JSON/],
  ])('%s › refused at start, naming the file', (_label, changes, problem) => {
    const dir = folder({ ...valid(), ...changes });
    expect(problemsOf(dir)).toEqual([expect.stringMatching(problem)]);
    expect(problemsOf(dir)[0]).toMatch(/^EMAIL_TEMPLATES_DIR: /);
  });

  it.each([
    ['an unknown top-level key', { templateSets: MANIFEST.templateSets, version: 2 }, 'version: unknown key'],
    ['no sets', { templateSets: {} }, 'templateSets: expected an object of template sets'],
    [
      'a set name that is no folder name',
      { templateSets: { ...MANIFEST.templateSets, 'Verify Email': { eventTypes: [] } } },
      "templateSets.Verify Email: a set's name is its folder",
    ],
    [
      'a type mapped to two sets',
      { templateSets: { welcome: { eventTypes: ['user.signed_up'] }, 'verify-email': { eventTypes: ['user.signed_up'], fields: { verificationUrl: 'url' } } } },
      'templateSets.verify-email.eventTypes: "user.signed_up" is mapped by the set "welcome" too',
    ],
    [
      'an event type with a space',
      { templateSets: { ...MANIFEST.templateSets, welcome: { eventTypes: ['user signed up'] } } },
      'templateSets.welcome.eventTypes: expected an array of event types',
    ],
    [
      'an unknown field kind',
      { templateSets: { ...MANIFEST.templateSets, 'verify-email': { eventTypes: ['x.y'], fields: { verificationUrl: 'html' } } } },
      'templateSets.verify-email.fields.verificationUrl: expected one of text, url',
    ],
    [
      'a misspelt key in a set',
      { templateSets: { ...MANIFEST.templateSets, welcome: { eventTypes: ['user.signed_up'], field: {} } } },
      'templateSets.welcome.field: unknown key',
    ],
  ])('a manifest with %s › refused at start, naming the manifest and the key', (_label, manifest, problem) => {
    const dir = folder({ ...valid(), 'manifest.json': JSON.stringify(manifest) });
    expect(problemsOf(dir)).toContainEqual(expect.stringContaining(`EMAIL_TEMPLATES_DIR: ${dir}/manifest.json: ${problem}`));
  });

  it('a header the manifest may not set › refused at start, naming the manifest and the header', () => {
    const manifest = { templateSets: { ...MANIFEST.templateSets, welcome: { eventTypes: ['user.signed_up'], headers: { 'X-Campaign': 'spring' } } } };
    const dir = folder({ ...valid(), 'manifest.json': JSON.stringify(manifest) });
    expect(problemsOf(dir)).toEqual([
      `EMAIL_TEMPLATES_DIR: ${dir}/manifest.json: templateSets.welcome.headers.X-Campaign: not a header a manifest may set (known: Feedback-ID, List-Unsubscribe, List-Unsubscribe-Post)`,
    ]);
  });

  it('the shipped templates › welcome for sign-ups and verify-email for verification requests, both in every shipped locale', () => {
    const catalog = loadTemplateCatalog({ dir: '', defaultLocale: 'en', vars: {} });
    expect(Object.fromEntries([...catalog.routes].map(([type, route]) => [type, route.template]))).toEqual({
      'user.signed_up': 'welcome',
      'user.email_verification_requested': 'verify-email',
    });
    expect(catalog.set('verify-email').locales).toEqual(catalog.set('welcome').locales);
    expect(catalog.set('verify-email').fields).toEqual({ verificationUrl: 'url' });
  });
});
