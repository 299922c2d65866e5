import Handlebars from 'handlebars';

import type { FieldKind } from '../../pipeline/event-routes.js';
import type { Metrics } from '../../platform/metrics.js';
import { checkTemplate, describeEngineError, type TemplateScope } from './check-template.js';
import { createLocaleNegotiator, textDirection } from './negotiate-locale.js';
import { type LocaleFolders, type Part, PARTS, type TemplateFile } from './template-files.js';
import type { SetHeaders } from './template-headers.js';

/** Who the email is for: a name that is safe to show, or '' for a greeting without one. */
export interface TemplateRecipient {
  readonly name: string;
  readonly email: string;
  /** The event's `user.locale` (BCP 47), if any. */
  readonly locale: string | undefined;
  /** The event's `data`: the set's fields, checked by parse-event.ts (`{{data.verificationUrl}}`). */
  readonly data?: Readonly<Record<string, unknown>> | undefined;
}

export interface RenderedEmail {
  /** The locale whose templates were used: one of `locales`. */
  readonly locale: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** A template set compiled once at start; rendering an email only runs the compiled functions. */
export interface TemplateSet {
  /** The set's name (its folder; `welcome` for a folder without a manifest). */
  readonly name: string;
  readonly dir: string;
  readonly locales: readonly string[];
  readonly defaultLocale: string;
  /** Fields of the event's `data` the set's templates use. */
  readonly fields: Readonly<Record<string, FieldKind>>;
  /** The manifest's headers for this set (Feedback-ID, List-Unsubscribe…); undefined when none. */
  readonly headers: SetHeaders | undefined;
  /** The locale an event's `user.locale` gets: exact tag, else its language, else the default. */
  localeFor(requested: string | undefined): string;
  render(recipient: TemplateRecipient): RenderedEmail;
}

/** What every set shares: partials, operator values, the default locale, the metric. */
export interface SetShared {
  readonly partials: ReadonlyMap<string, TemplateFile>;
  readonly vars: Readonly<Record<string, string>>;
  readonly defaultLocale: string;
  readonly metrics?: Pick<Metrics, 'emailsRendered'> | undefined;
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
/** A value of each field kind for the sample renders: what a real event's checked field looks like. */
const SAMPLE_FIELD: Record<FieldKind, string> = { text: 'Sample text', url: 'https://example.test/sample?token=abc&x=1' };

/**
 * Checks and compiles one set's locale folders, pushing each problem (file and line) to `problems`.
 * Every part of every locale runs for a user with a name and one without, with a sample value for
 * each field: the only things that vary between two emails of one locale are `name` (empty or not),
 * `email` and the fields (never empty), so these renders cover every branch a template can take.
 */
export function compileTemplateSet(
  { name, folders, fields, headers }: { name: string; folders: LocaleFolders; fields: Readonly<Record<string, FieldKind>>; headers: SetHeaders | undefined },
  shared: SetShared,
  problems: string[],
): TemplateSet | undefined {
  const before = problems.length;
  const variables = [...BUILT_IN_VARIABLES, ...Object.keys(shared.vars).map((v) => `vars.${v}`), ...Object.keys(fields).map((f) => `data.${f}`)];
  const scope = (part: Part): TemplateScope => ({
    variables: new Set(part === 'subject' ? variables : [...variables, 'subject']),
    partials: new Set(shared.partials.keys()),
    html: part === 'html',
    isPartial: false,
  });
  for (const parts of folders.locales.values()) for (const part of PARTS) problems.push(...parseAndCheck(parts[part], scope(part)));
  if (folders.folders.size > 0 && !folders.folders.has(shared.defaultLocale)) {
    problems.push(`EMAIL_DEFAULT_LOCALE: "${shared.defaultLocale}" has no folder in ${folders.dir} (present: ${[...folders.folders].sort().join(', ')})`);
  }
  // Nothing runs while any template anywhere is known to be wrong: its render would only repeat the problem.
  if (problems.length > 0) return undefined;

  const html = engine(true, shared.partials);
  const text = engine(false, shared.partials);
  const compiled = new Map<string, LocaleParts>();
  for (const [locale, parts] of folders.locales) {
    compiled.set(locale, { dir: textDirection(locale), parts: { subject: text(parts.subject), text: text(parts.text), html: html(parts.html) } });
  }
  const locales = [...folders.locales.keys()].sort();
  const negotiate = createLocaleNegotiator(locales, shared.defaultLocale);
  const { vars, metrics } = shared;
  const renderIn = (locale: string, recipient: Omit<TemplateRecipient, 'locale'>): RenderedEmail => {
    const { dir: direction, parts } = compiled.get(locale) as LocaleParts;
    const context = { name: recipient.name, email: recipient.email, locale, dir: direction, vars, data: recipient.data ?? {} };
    // One line: the template's own line breaks (a trailing newline, a wrapped {{#if}}) are not the subject's.
    const subject = parts
      .subject(context)
      .trim()
      .replace(/\s*\n\s*/g, ' ');
    const withSubject = { ...context, subject };
    return { locale, subject, text: parts.text(withSubject).trimEnd(), html: parts.html(withSubject).trimEnd() };
  };

  // Every part runs now, which compiles it (Handlebars compiles on first use) and finds what only
  // running shows (a partial that includes itself), before the first event is consumed.
  const data = Object.fromEntries(Object.entries(fields).map(([field, kind]) => [field, SAMPLE_FIELD[kind]]));
  for (const [locale, parts] of folders.locales) {
    for (const sample of [
      { name: 'Ada Lovelace', email: 'ada@example.test', data },
      { name: '', email: 'ada@example.test', data },
    ]) {
      try {
        if (renderIn(locale, sample).subject === '')
          problems.push(`${parts.subject.path}: renders an empty subject${sample.name ? '' : ' for a user without a name'}`);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
  }
  if (problems.length > before) return undefined;
  for (const locale of locales) metrics?.emailsRendered.inc({ template: name, locale }, 0);

  return Object.freeze({
    name,
    dir: folders.dir,
    locales: Object.freeze(locales),
    defaultLocale: shared.defaultLocale,
    fields,
    headers,
    localeFor: negotiate,
    render(recipient: TemplateRecipient): RenderedEmail {
      const rendered = renderIn(negotiate(recipient.locale), recipient);
      metrics?.emailsRendered.inc({ template: name, locale: rendered.locale });
      return rendered;
    },
  });
}

/** Checks a shared partial once (not once per set): what a partial may name is what every part may. */
export function checkPartial(file: TemplateFile, variables: readonly string[], partials: ReadonlySet<string>): string[] {
  return parseAndCheck(file, { variables: new Set([...BUILT_IN_VARIABLES, ...variables, 'subject']), partials, html: true, isPartial: true });
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
