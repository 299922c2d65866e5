import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { canonicalLocale } from './negotiate-locale.js';

/** The parts of one locale's email, each a file `<part>.hbs` in the locale's folder. */
export const PARTS = ['subject', 'text', 'html'] as const;
export type Part = (typeof PARTS)[number];

/** The file of the operator values' names and defaults, at the top of the folder. */
export const VALUES_FILE = 'values.json';

/** A value's name: what follows EMAIL_TEMPLATE_VARS_, in lower case (`PRODUCT_NAME` → `product_name`). */
export const VALUE_NAME = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

/** A template larger than this is a mistake (an image pasted in?), not an email. */
const MAX_TEMPLATE_BYTES = 256 * 1024;
const PARTIAL_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

export interface TemplateFile {
  readonly path: string;
  readonly source: string;
}

/** The locale folders of one template set. */
export interface LocaleFolders {
  /** The folder that holds them: the templates folder itself without a manifest, else `<dir>/<set>`. */
  readonly dir: string;
  /** Canonical locale tag → its parts; only locales that have every part. */
  readonly locales: ReadonlyMap<string, Readonly<Record<Part, TemplateFile>>>;
  /** Every locale that has a folder, with its parts or not. */
  readonly folders: ReadonlySet<string>;
}

/** A template folder as read from disk, before anything is compiled. */
export interface TemplateFiles {
  /** Top-level `<name>.hbs` files, included as `{{> name}}` by every set. */
  readonly partials: ReadonlyMap<string, TemplateFile>;
  /** Template set name → its locale folders. */
  readonly sets: ReadonlyMap<string, LocaleFolders>;
  /** Names and defaults of the operator values, from values.json (shared by every set). */
  readonly values: Readonly<Record<string, string>>;
}

/**
 * Reads a template folder: shared partials and values.json at the top; then, without `sets` (no
 * manifest), `<locale>/{subject,text,html}.hbs` for each locale at the top, as the one set
 * `fallbackSet`; with `sets` (the manifest's), `<set>/<locale>/…` for each set and no other folder.
 * Follows symbolic links and skips hidden entries, which is how a Kubernetes ConfigMap volume looks
 * (`en -> ..data/en`). Each problem names its file.
 */
export function readTemplateFiles(
  dir: string,
  { sets: names, fallbackSet = 'welcome' }: { sets?: readonly string[]; fallbackSet?: string } = {},
): { files: TemplateFiles; problems: string[] } {
  const problems: string[] = [];
  const partials = new Map<string, TemplateFile>();
  const folders: string[] = [];
  let values: Record<string, string> = {};
  for (const entry of list(dir, problems)) {
    const full = path.join(dir, entry);
    if (isDirectory(full)) folders.push(entry);
    else if (entry === VALUES_FILE) {
      values = readValues(full, problems);
    } else if (entry.endsWith('.hbs')) {
      const name = entry.slice(0, -'.hbs'.length);
      const file = readTemplate(full, problems);
      if (!PARTIAL_NAME.test(name)) problems.push(`${full}: a partial's name is letters, digits, - and _, starting with a letter`);
      else if (file) partials.set(name, file);
    }
  }
  const sets = new Map<string, LocaleFolders>();
  if (names === undefined) sets.set(fallbackSet, readLocaleFolders(dir, folders, problems));
  else {
    for (const extra of folders.filter((folder) => !names.includes(folder)))
      problems.push(`${path.join(dir, extra)}: a folder the manifest names no template set for (sets: ${names.join(', ')})`);
    for (const name of names) {
      const setDir = path.join(dir, name);
      if (!isDirectory(setDir)) problems.push(`${setDir}: missing (the manifest names the template set "${name}")`);
      else
        sets.set(
          name,
          readLocaleFolders(
            setDir,
            list(setDir, problems).filter((entry) => isDirectory(path.join(setDir, entry))),
            problems,
          ),
        );
    }
  }
  return { files: { partials, sets, values }, problems };
}

/** The locale folders among `entries` of `dir`; a set without any is a problem. */
function readLocaleFolders(dir: string, entries: readonly string[], problems: string[]): LocaleFolders {
  const locales = new Map<string, Record<Part, TemplateFile>>();
  const folders = new Set<string>();
  for (const entry of entries) {
    const full = path.join(dir, entry);
    const locale = canonicalLocale(entry);
    if (!locale) problems.push(`${full}: not a locale tag (a folder here is named by a BCP 47 tag: en, pt-BR, fa…)`);
    else if (folders.has(locale)) problems.push(`${full}: a second folder for the locale ${locale}`);
    else {
      folders.add(locale);
      const parts = readLocale(full, problems);
      if (parts) locales.set(locale, parts);
    }
  }
  // Only when nothing else is wrong: a folder that cannot be read has no locale either.
  if (problems.length === 0 && locales.size === 0)
    problems.push(`${dir}: no locale folder (expected en/, de/… each with ${PARTS.map((p) => `${p}.hbs`).join(', ')})`);
  return { dir, locales, folders };
}

function list(dir: string, problems: string[]): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => !name.startsWith('.'))
      .sort();
  } catch (err) {
    problems.push(`${dir}: cannot read the folder (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return [];
  }
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** Every part of one locale, or undefined (with a problem for each missing or unexpected file). */
function readLocale(dir: string, problems: string[]): Record<Part, TemplateFile> | undefined {
  const present = list(dir, problems);
  for (const extra of present.filter((name) => name.endsWith('.hbs') && !(PARTS as readonly string[]).includes(name.slice(0, -4)))) {
    problems.push(
      `${path.join(dir, extra)}: unexpected template (a locale folder holds ${PARTS.map((p) => `${p}.hbs`).join(', ')}; shared partials go at the top)`,
    );
  }
  const parts: Partial<Record<Part, TemplateFile>> = {};
  for (const part of PARTS) {
    const file = path.join(dir, `${part}.hbs`);
    if (!present.includes(`${part}.hbs`)) problems.push(`${file}: missing (every locale needs ${PARTS.map((p) => `${p}.hbs`).join(', ')})`);
    else {
      const read = readTemplate(file, problems);
      if (read) parts[part] = read;
    }
  }
  return PARTS.every((part) => parts[part]) ? (parts as Record<Part, TemplateFile>) : undefined;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function readText(file: string, problems: string[]): string | undefined {
  try {
    const bytes = readFileSync(file);
    if (bytes.length > MAX_TEMPLATE_BYTES) {
      problems.push(`${file}: larger than ${MAX_TEMPLATE_BYTES / 1024} KiB`);
      return undefined;
    }
    // Line ends as written on any system; the composer writes CRLF on the wire.
    return UTF8.decode(bytes).replace(/\r\n?/g, '\n');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problems.push(`${file}: ${code === 'ERR_ENCODING_INVALID_ENCODED_DATA' ? 'not UTF-8' : `cannot read (${code ?? 'error'})`}`);
    return undefined;
  }
}

function readTemplate(file: string, problems: string[]): TemplateFile | undefined {
  const source = readText(file, problems);
  return source === undefined ? undefined : { path: file, source };
}

/** values.json: `{ "product_name": "Acme", … }`, names as EMAIL_TEMPLATE_VARS_ sets them, string defaults. */
function readValues(file: string, problems: string[]): Record<string, string> {
  const text = readText(file, problems);
  if (text === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    problems.push(`${file}: not JSON (${(err as Error).message})`);
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(`${file}: expected an object of names and default values, e.g. {"product_name": "Acme"}`);
    return {};
  }
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!VALUE_NAME.test(name)) problems.push(`${file}: "${name}" is not a value name (lower-case letters, digits and single _, e.g. product_name)`);
    else if (typeof value !== 'string') problems.push(`${file}: "${name}" must be a string`);
    else values[name] = value;
  }
  return values;
}
