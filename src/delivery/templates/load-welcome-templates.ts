import path from 'node:path';
import Handlebars from 'handlebars';
import { ConfigError } from '../../platform/config.js';
import type { Metrics } from '../../platform/metrics.js';
import { checkTemplate, describeEngineError, type TemplateScope } from './check-template.js';
import { canonicalLocale, createLocaleNegotiator, textDirection } from './negotiate-locale.js';
import { shippedTemplatesDir } from './shipped-templates-dir.js';
import { PARTS, readTemplateFiles, VALUES_FILE, type Part, type TemplateFile } from './template-files.js';

export interface WelcomeTemplatesOptions {
  /** EMAIL_TEMPLATES_DIR: one folder per locale. @default '' (the templates the service ships) */
  readonly dir: string;
  /** EMAIL_DEFAULT_LOCALE: used when no folder matches the event's locale; must have a folder. */
  readonly defaultLocale: string;
  /** EMAIL_TEMPLATE_VARS_*, by value name (`product_name`); each must be declared in values.json. */
  readonly vars: Readonly<Record<string, string>>;
  /** Counts each rendered email by its chosen locale; the series of every locale start at 0. */
  readonly metrics?: Pick<Metrics, 'emailsRendered'>;
}

/** Who the email is for: a name that is safe to show, or '' for a greeting without one. */
export interface WelcomeRecipient {
  readonly name: string;
  readonly email: string;
  /** The event's `user.locale` (BCP 47), if any. */
  readonly locale: string | undefined;
}

export interface RenderedWelcome {
  /** The locale whose templates were used: one of `locales`. */
  readonly locale: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** A template set compiled once at start; rendering an email only runs the compiled functions. */
export interface WelcomeTemplates {
  readonly dir: string;
  readonly locales: readonly string[];
  readonly defaultLocale: string;
  /** The locale an event's `user.locale` gets: exact tag, else its language, else the default. */
  localeFor(requested: string | undefined): string;
  render(recipient: WelcomeRecipient): RenderedWelcome;
}

type Compiled = (context: object) => string;
interface LocaleParts {
  readonly dir: 'ltr' | 'rtl';
  readonly parts: Readonly<Record<Part, Compiled>>;
}

/**
 * `strict`: a name missing at render time throws instead of printing nothing (checkTemplate finds
 * them all at start; this is the second line). `knownHelpersOnly`: no helper can be registered or
 * called by name. `preventIndent`: a partial's text is kept as written.
 */
const COMPILE_OPTIONS = { strict: true, knownHelpersOnly: true, preventIndent: true } as const;
const BUILT_IN_VARIABLES = ['name', 'email', 'locale', 'dir'];
/** What each part is rendered with before it is checked at start: a user with a name, and one without. */
const SAMPLE_RECIPIENTS = [
  { name: 'Ada Lovelace', email: 'ada@example.test' },
  { name: '', email: 'ada@example.test' },
];

/**
 * Reads, checks and compiles the welcome templates. Throws a ConfigError (the service exits 2)
 * listing every problem with its file and line: a template that does not compile, a missing part,
 * an unknown variable, helper or partial, an undeclared EMAIL_TEMPLATE_VARS_*, a default locale
 * without a folder, or a part that fails or renders an empty subject for a sample user.
 */
export function loadWelcomeTemplates(options: WelcomeTemplatesOptions): WelcomeTemplates {
  const dir = options.dir === '' ? shippedTemplatesDir() : options.dir;
  const { files, problems } = readTemplateFiles(dir);
  const undeclared = Object.keys(options.vars).filter((name) => !(name in files.values));
  for (const name of undeclared) {
    problems.push(`EMAIL_TEMPLATE_VARS_${name.toUpperCase()}: ${path.join(dir, VALUES_FILE)} declares no "${name}" (declared: ${Object.keys(files.values).sort().join(', ') || 'none'})`);
  }
  const vars = Object.freeze({ ...files.values, ...options.vars });
  const variables = [...BUILT_IN_VARIABLES, ...Object.keys(vars).map((name) => `vars.${name}`)];
  const scope = (part: Part | 'partial'): TemplateScope => ({
    variables: new Set(part === 'subject' ? variables : [...variables, 'subject']),
    partials: new Set(files.partials.keys()),
    html: part !== 'subject' && part !== 'text',
    isPartial: part === 'partial',
  });
  const check = (file: TemplateFile, part: Part | 'partial') => problems.push(...parseAndCheck(file, scope(part)));
  for (const file of files.partials.values()) check(file, 'partial');
  for (const parts of files.locales.values()) for (const part of PARTS) check(parts[part], part);

  const locales = [...files.locales.keys()].sort();
  const defaultLocale = canonicalLocale(options.defaultLocale) ?? options.defaultLocale;
  if (files.folders.size > 0 && !files.folders.has(defaultLocale)) {
    problems.push(`EMAIL_DEFAULT_LOCALE: "${options.defaultLocale}" has no folder in ${dir} (present: ${[...files.folders].sort().join(', ')})`);
  }
  if (problems.length > 0) throw new ConfigError(problems.map(prefixed(options.dir)));

  const html = engine(true, files.partials);
  const text = engine(false, files.partials);
  const compiled = new Map<string, LocaleParts>();
  for (const [locale, parts] of files.locales) {
    compiled.set(locale, { dir: textDirection(locale), parts: { subject: text(parts.subject), text: text(parts.text), html: html(parts.html) } });
  }
  const negotiate = createLocaleNegotiator(locales, defaultLocale);
  const { metrics } = options;
  const renderIn = (locale: string, recipient: Omit<WelcomeRecipient, 'locale'>): RenderedWelcome => {
    const { dir: direction, parts } = compiled.get(locale) as LocaleParts;
    const context = { name: recipient.name, email: recipient.email, locale, dir: direction, vars };
    // One line: the template's own line breaks (a trailing newline, a wrapped {{#if}}) are not the subject's.
    const subject = parts.subject(context).trim().replace(/\s*\n\s*/g, ' ');
    const withSubject = { ...context, subject };
    return { locale, subject, text: parts.text(withSubject).trimEnd(), html: parts.html(withSubject).trimEnd() };
  };

  // Every part runs once now, which compiles it (Handlebars compiles on first use) and finds what
  // only running shows (a partial that includes itself), before the first event is consumed.
  for (const [locale, parts] of files.locales) {
    for (const sample of SAMPLE_RECIPIENTS) {
      try {
        if (renderIn(locale, sample).subject === '') problems.push(`${parts.subject.path}: renders an empty subject${sample.name ? '' : ' for a user without a name'}`);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
  }
  // A part that fails for both sample users is one problem.
  if (problems.length > 0) throw new ConfigError([...new Set(problems)].map(prefixed(options.dir)));
  for (const locale of locales) metrics?.emailsRendered.inc({ locale }, 0);

  return Object.freeze({
    dir,
    locales: Object.freeze(locales),
    defaultLocale,
    localeFor: negotiate,
    render(recipient: WelcomeRecipient): RenderedWelcome {
      const rendered = renderIn(negotiate(recipient.locale), recipient);
      metrics?.emailsRendered.inc({ locale: rendered.locale });
      return rendered;
    },
  });
}

function parseAndCheck(file: TemplateFile, scope: TemplateScope): string[] {
  let ast: ReturnType<typeof Handlebars.parse>;
  try {
    ast = Handlebars.parse(file.source);
  } catch (err) {
    const { line, message } = describeEngineError(err);
    return [`${file.path}:${line}: ${message}`];
  }
  return checkTemplate(ast, scope).map(({ line, message }) => `${file.path}:${line}: ${message}`);
}

/**
 * A Handlebars environment of its own (nothing registered globally), with the folder's partials.
 * A template that throws names its file and line (Handlebars ends the message with " - line:column").
 */
function engine(html: boolean, partials: ReadonlyMap<string, TemplateFile>): (file: TemplateFile) => Compiled {
  const handlebars = Handlebars.create();
  const options = { ...COMPILE_OPTIONS, noEscape: !html };
  for (const [name, file] of partials) handlebars.registerPartial(name, handlebars.compile(file.source, options));
  return (file) => {
    const template = handlebars.compile(file.source, options);
    return (context) => {
      try {
        return template(context);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const [, text = message, line = '1'] = /^([\s\S]*?)(?: - (\d+):\d+)?$/.exec(message) ?? [];
        throw new Error(`${file.path}:${line}: fails to render: ${text}`, { cause: err });
      }
    };
  };
}

/** A problem line names the variable to change, as the configuration's own do. */
function prefixed(dirSetting: string): (problem: string) => string {
  return (problem) => (/^[A-Z][A-Z0-9_]+: /.test(problem) ? problem : `${dirSetting === '' ? 'shipped templates' : 'EMAIL_TEMPLATES_DIR'}: ${problem}`);
}
