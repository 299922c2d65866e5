import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

import { loadWelcomeTemplates, type WelcomeTemplatesOptions } from '../../../../src/email/templates/load-welcome-templates.js';
import { createMetrics } from '../../../../src/platform/metrics.js';
import { ConfigError } from '../../../../src/platform/service-error.js';

/** A small valid set: English with a partial and one operator value. */
const VALID: Record<string, string | Buffer> = {
  'values.json': '{ "product_name": "Acme", "help_url": "" }\n',
  'frame.hbs': '<html lang="{{locale}}" dir="{{dir}}"><title>{{subject}}</title>{{> @partial-block}}</html>\n',
  'en/subject.hbs': '{{#if name}}Hi {{name}}{{else}}Hi{{/if}}\n',
  'en/text.hbs': 'Hi {{name}}, this is {{vars.product_name}} writing to {{email}}.\n{{#unless vars.help_url}}\nNo help.\n{{/unless}}\n',
  'en/html.hbs': '{{#> frame}}\n<h1>{{#if name}}Hi {{name}}{{else}}Hi{{/if}}</h1>\n{{/frame}}\n',
};

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A template folder with these files (relative paths; `undefined` leaves one out). */
function folder(files: Record<string, string | Buffer | undefined>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'templates-'));
  dirs.push(dir);
  for (const [file, content] of Object.entries(files)) {
    if (content === undefined) continue;
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

const load = (dir: string, options: Partial<WelcomeTemplatesOptions> = {}) => loadWelcomeTemplates({ dir, defaultLocale: 'en', vars: {}, ...options });

/** The problem lines a folder is refused with. */
function problemsOf(dir: string, options: Partial<WelcomeTemplatesOptions> = {}): string[] {
  try {
    load(dir, options);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('the templates were accepted');
}

const ada = { name: 'Ada', email: 'ada@example.test', locale: undefined };

describe('loadWelcomeTemplates › a valid folder', () => {
  it('renders subject, text and HTML with the user, the locale, its direction and the operator values', () => {
    const templates = load(folder(VALID));
    expect(templates.locales).toEqual(['en']);
    const mail = templates.render({ ...ada, name: 'Ada <b>' });
    expect(mail).toEqual({
      locale: 'en',
      subject: 'Hi Ada <b>',
      text: 'Hi Ada <b>, this is Acme writing to ada@example.test.\nNo help.',
      html: '<html lang="en" dir="ltr"><title>Hi Ada &lt;b&gt;</title><h1>Hi Ada &lt;b&gt;</h1>\n</html>',
    });
  });

  it('greets without a name when the name is empty', () => {
    expect(load(folder(VALID)).render({ ...ada, name: '' }).subject).toBe('Hi');
  });

  it('EMAIL_TEMPLATE_VARS_* replace the defaults of values.json', () => {
    expect(load(folder(VALID), { vars: { product_name: 'Zed', help_url: 'https://help.test' } }).render(ada).text).toBe(
      'Hi Ada, this is Zed writing to ada@example.test.',
    );
  });

  it('a subject written over several lines is one line', () => {
    const dir = folder({ ...VALID, 'en/subject.hbs': 'Hi\n{{#if name}}\n{{name}}\n{{/if}}\n\n' });
    expect(load(dir).render(ada).subject).toBe('Hi Ada');
  });

  it('reads templates written with CRLF and a byte-order mark', () => {
    const dir = folder({ ...VALID, 'en/text.hbs': '\ufeffHi {{name}}\r\n\r\nBye\r\n' });
    expect(load(dir).render(ada).text).toBe('Hi Ada\n\nBye');
  });

  it('counts each email by its chosen locale; every locale starts at 0', async () => {
    const metrics = createMetrics({ registry: new Registry(), defaults: false });
    const dir = folder({ ...VALID, 'de/subject.hbs': 'Hallo\n', 'de/text.hbs': 'Hallo\n', 'de/html.hbs': '<p>Hallo</p>\n' });
    const templates = load(dir, { metrics });
    templates.render({ ...ada, locale: 'de-AT' });
    templates.render({ ...ada, locale: 'it' });
    templates.render(ada);
    const { values } = await metrics.emailsRendered.get();
    expect(values.map((v) => [v.labels.locale, v.value])).toEqual([
      ['de', 1],
      ['en', 2],
    ]);
  });

  it('reads a Kubernetes ConfigMap volume: locale folders behind symbolic links, hidden entries skipped', () => {
    const dir = folder(Object.fromEntries(Object.entries(VALID).map(([file, content]) => [`..2026_01_01_00_00_00.1/${file}`, content])));
    symlinkSync('..2026_01_01_00_00_00.1', path.join(dir, '..data'));
    for (const entry of ['en', 'values.json', 'frame.hbs']) symlinkSync(path.join('..data', entry), path.join(dir, entry));
    expect(load(dir).render(ada).subject).toBe('Hi Ada');
  });

  it('takes locale folders in any case, and answers with the canonical tag', () => {
    const dir = folder({ ...VALID, 'pt-br/subject.hbs': 'Oi\n', 'pt-br/text.hbs': 'Oi\n', 'pt-br/html.hbs': '<p>Oi</p>\n' });
    const templates = load(dir, { defaultLocale: 'pt_BR' });
    expect(templates.locales).toEqual(['en', 'pt-BR']);
    expect(templates.render({ ...ada, locale: 'xx' }).locale).toBe('pt-BR');
  });
});

describe('loadWelcomeTemplates › refuses at start, naming the file and line', () => {
  it('a template that does not compile', () => {
    const dir = folder({ ...VALID, 'en/html.hbs': '<h1>\n{{#if name}}Hi\n' });
    // The end of the file (line 3) is where Handlebars finds the block unclosed.
    expect(problemsOf(dir)).toEqual([
      expect.stringMatching(
        new RegExp(`^EMAIL_TEMPLATES_DIR: ${dir}/en/html\\.hbs:3: does not compile: .*got 'EOF' \\(a \\{\\{#block\\}\\} without its \\{\\{/block\\}\\}\\?\\)$`),
      ),
    ]);
  });

  it('a block closed by the wrong name', () => {
    expect(problemsOf(folder({ ...VALID, 'en/text.hbs': 'a\n{{#if name}}x{{/unless}}\n' }))).toEqual([
      expect.stringMatching(/en\/text\.hbs:2: does not compile: if doesn't match unless$/),
    ]);
  });

  it('a locale without one of its parts', () => {
    const dir = folder({ ...VALID, 'de/subject.hbs': 'Hallo\n', 'de/text.hbs': 'Hallo\n' });
    expect(problemsOf(dir)).toEqual([`EMAIL_TEMPLATES_DIR: ${dir}/de/html.hbs: missing (every locale needs subject.hbs, text.hbs, html.hbs)`]);
  });

  it('the default locale without one of its parts: that part, not a missing default', () => {
    const dir = folder({ ...VALID, 'en/html.hbs': undefined });
    expect(problemsOf(dir)).toEqual([`EMAIL_TEMPLATES_DIR: ${dir}/en/html.hbs: missing (every locale needs subject.hbs, text.hbs, html.hbs)`]);
  });

  it.each([
    [
      'a misspelt variable',
      'en/text.hbs',
      'Hi\n\n{{nmae}}\n',
      3,
      'unknown variable "nmae" (known: dir, email, locale, name, subject, vars.help_url, vars.product_name)',
    ],
    ['a value values.json does not declare', 'en/text.hbs', '{{vars.support_email}}\n', 1, 'unknown variable "vars.support_email"'],
    ['the subject in the subject itself', 'en/subject.hbs', 'Hi {{subject}}\n', 1, 'unknown variable "subject"'],
    ['a variable of a parent context', 'en/text.hbs', '{{../name}}\n', 1, 'unknown variable "../name"'],
    ['a data variable', 'en/text.hbs', '{{@root.name}}\n', 1, 'unknown variable "@root.name"'],
    ['the whole context', 'en/text.hbs', '{{this}}\n', 1, 'unknown variable "this"'],
    ['a condition on an unknown variable', 'en/subject.hbs', '{{#if nmae}}x{{/if}}\n', 1, 'unknown variable "nmae"'],
    ['a loop', 'en/text.hbs', '{{#each vars}}{{this}}{{/each}}\n', 1, '{{#each}} is not available: only {{#if variable}} and {{#unless variable}} blocks'],
    ['a context change', 'en/text.hbs', '{{#with vars}}{{product_name}}{{/with}}\n', 1, '{{#with}} is not available'],
    ['a helper call', 'en/text.hbs', 'x\n{{lookup vars "product_name"}}\n', 2, '"lookup" (helpers are not available) takes no arguments here'],
    ['an unescaped value in HTML', 'en/html.hbs', '<p>\n{{{name}}}</p>\n', 2, '{{{name}}} writes the value unescaped into HTML: use {{name}}'],
    ['an unescaped value in HTML, & form', 'en/html.hbs', '<p>{{& name}}</p>\n', 1, '{{{name}}} writes the value unescaped into HTML'],
    ['an unknown partial', 'en/html.hbs', '{{> footer}}\n', 1, 'unknown partial "footer" (known: frame)'],
    ['a partial with arguments', 'en/html.hbs', '{{> frame name="x"}}\n', 1, 'the partial "frame" takes no arguments here'],
    ['the wrapped block outside a partial', 'en/html.hbs', '{{> @partial-block}}\n', 1, 'unknown partial "@partial-block"'],
    ['an inline partial (a decorator)', 'en/html.hbs', '{{#*inline "x"}}y{{/inline}}\n', 1, 'DecoratorBlock is not available in email templates'],
    ['an unknown variable in a partial', 'frame.hbs', '<html>\n{{lang}}{{> @partial-block}}</html>\n', 2, 'unknown variable "lang"'],
  ])('%s', (_label, file, source, line, message) => {
    const dir = folder({ ...VALID, [file]: source });
    expect(problemsOf(dir)).toEqual([expect.stringContaining(`EMAIL_TEMPLATES_DIR: ${dir}/${file}:${line}: ${message}`)]);
  });

  it('an unescaped value is fine in the plain-text parts, which are not HTML', () => {
    expect(load(folder({ ...VALID, 'en/text.hbs': '{{{name}}} & {{name}}\n' })).render({ ...ada, name: '<A>' }).text).toBe('<A> & <A>');
  });

  it('a subject that renders empty for a user without a name', () => {
    const dir = folder({ ...VALID, 'en/subject.hbs': '{{name}}\n' });
    expect(problemsOf(dir)).toEqual([`EMAIL_TEMPLATES_DIR: ${dir}/en/subject.hbs: renders an empty subject for a user without a name`]);
  });

  it('a partial that includes itself (found by rendering once at start)', () => {
    const dir = folder({ ...VALID, 'frame.hbs': '<div>{{> frame}}</div>\n' });
    expect(problemsOf(dir)).toEqual([expect.stringMatching(new RegExp(`^EMAIL_TEMPLATES_DIR: ${dir}/en/html\\.hbs:\\d+: fails to render: .*call stack`))]);
  });

  it('an EMAIL_TEMPLATE_VARS_* that values.json does not declare (a typo)', () => {
    const dir = folder(VALID);
    expect(problemsOf(dir, { vars: { prodct_name: 'Acme' } })).toEqual([
      `EMAIL_TEMPLATE_VARS_PRODCT_NAME: ${dir}/values.json declares no "prodct_name" (declared: help_url, product_name)`,
    ]);
  });

  it('EMAIL_DEFAULT_LOCALE without a folder', () => {
    const dir = folder(VALID);
    expect(problemsOf(dir, { defaultLocale: 'de' })).toEqual([`EMAIL_DEFAULT_LOCALE: "de" has no folder in ${dir} (present: en)`]);
  });

  it.each([
    ['not JSON', '{ product_name: 1 }', 'values.json: not JSON'],
    ['not an object', '["product_name"]', 'values.json: expected an object of names and default values'],
    ['a name EMAIL_TEMPLATE_VARS_* could not set', '{ "Product Name": "" }', 'values.json: "Product Name" is not a value name'],
    ['a value that is not text', '{ "product_name": 1 }', 'values.json: "product_name" must be a string'],
  ])('a values.json that is %s', (_label, content, message) => {
    const problems = problemsOf(folder({ ...VALID, 'values.json': content, 'en/text.hbs': 'Hi\n' }));
    expect(problems[0]).toContain(message);
  });

  it.each([
    ['a folder that is not a locale tag', { 'en-US-US/subject.hbs': 'x' }, 'en-US-US: not a locale tag'],
    ['two folders for one locale', { 'EN/subject.hbs': 'x', 'EN/text.hbs': 'x', 'EN/html.hbs': 'x' }, ': a second folder for the locale en'],
    ['a template a locale folder does not hold', { 'en/footer.hbs': 'x' }, 'en/footer.hbs: unexpected template'],
    ['a file that is not UTF-8', { 'en/text.hbs': Buffer.from([0x48, 0xe9, 0x0a]) }, 'en/text.hbs: not UTF-8'],
    ['a partial named so that no template could include it', { '1st.hbs': 'x' }, "1st.hbs: a partial's name is letters"],
    ['a template over 256 KiB', { 'en/text.hbs': 'x'.repeat(256 * 1024 + 1) }, 'en/text.hbs: larger than 256 KiB'],
  ])('%s', (_label, files, message) => {
    expect(problemsOf(folder({ ...VALID, ...files })).join('\n')).toContain(message);
  });

  it('a folder that does not exist, or has no locale', () => {
    expect(problemsOf('/nonexistent/templates')).toEqual(['EMAIL_TEMPLATES_DIR: /nonexistent/templates: cannot read the folder (ENOENT)']);
    const empty = folder({ 'values.json': '{}' });
    expect(problemsOf(empty)).toEqual([`EMAIL_TEMPLATES_DIR: ${empty}: no locale folder (expected en/, de/… each with subject.hbs, text.hbs, html.hbs)`]);
  });

  it('every problem at once, one line each', () => {
    const dir = folder({ ...VALID, 'en/text.hbs': '{{nmae}}\n', 'en/html.hbs': '{{{name}}}\n', 'de/text.hbs': 'x\n' });
    expect(problemsOf(dir, { vars: { typo: 'x' } })).toHaveLength(5);
  });
});
