import path from 'node:path';

import { type EventRoute, type EventRoutes, SIGNUP_TYPE, WELCOME_SET } from '../../pipeline/event-routes.js';
import type { Metrics } from '../../platform/metrics.js';
import { ConfigError } from '../../platform/service-error.js';
import { canonicalLocale } from './negotiate-locale.js';
import { shippedTemplatesDir } from './shipped-templates-dir.js';
import { readTemplateFiles, VALUES_FILE } from './template-files.js';
import { compileHeaders } from './template-headers.js';
import { MANIFEST_FILE, type ManifestSet, readManifest } from './template-manifest.js';
import { checkPartial, compileTemplateSet, type TemplateSet } from './template-set.js';

export interface TemplateCatalogOptions {
  /** EMAIL_TEMPLATES_DIR: a manifest and a folder per set, or (no manifest) one folder per locale. @default '' (the templates the service ships) */
  readonly dir: string;
  /** EMAIL_DEFAULT_LOCALE: used when no folder matches the event's locale; every set must have a folder for it. */
  readonly defaultLocale: string;
  /** EMAIL_TEMPLATE_VARS_*, by value name (`product_name`); each must be declared in values.json. */
  readonly vars: Readonly<Record<string, string>>;
  /** Counts each rendered email by set and chosen locale; the series of every set's locales start at 0. */
  readonly metrics?: Pick<Metrics, 'emailsRendered'>;
}

/** Every template set of a folder, compiled, and the event types each serves. */
export interface TemplateCatalog {
  readonly dir: string;
  /** The manifest's path; undefined for a folder without one (the welcome set alone, for user.signed_up). */
  readonly manifest: string | undefined;
  /** Event type → template set and the fields it needs: handed to intake, looked up once per event. */
  readonly routes: EventRoutes;
  readonly sets: ReadonlyMap<string, TemplateSet>;
  /** The named set; throws for a name the catalog does not have (a route always names one it has). */
  set(name: string): TemplateSet;
}

/** What a folder without a manifest has always been: the welcome set, for sign-ups. */
const WITHOUT_MANIFEST: ManifestSet = { name: WELCOME_SET, eventTypes: [SIGNUP_TYPE], fields: {}, headers: {} };

/**
 * Reads, checks and compiles every template set of a folder. Throws a ConfigError (the service
 * exits 2) listing every problem with its file and line or manifest key: a template that does not
 * compile, a missing part, an unknown variable, helper or partial, an undeclared
 * EMAIL_TEMPLATE_VARS_*, a default locale without a folder, a part that fails or renders an empty
 * subject for a sample user, and in the manifest an unknown key, header or field.
 */
export function loadTemplateCatalog(options: TemplateCatalogOptions): TemplateCatalog {
  const dir = options.dir === '' ? shippedTemplatesDir() : options.dir;
  const problems: string[] = [];
  const manifest = readManifest(dir, problems);
  const manifestPath = manifest && path.join(dir, MANIFEST_FILE);
  // A manifest that names no set (not JSON, no templateSets): every folder would be reported as unnamed.
  if (manifest?.length === 0) throw new ConfigError(problems.map(prefixed(options.dir)));
  const declared = manifest ?? [WITHOUT_MANIFEST];
  const { files, problems: fileProblems } = readTemplateFiles(dir, manifest ? { sets: manifest.map((set) => set.name) } : {});
  problems.push(...fileProblems);
  for (const name of Object.keys(options.vars).filter((v) => !(v in files.values))) {
    problems.push(
      `EMAIL_TEMPLATE_VARS_${name.toUpperCase()}: ${path.join(dir, VALUES_FILE)} declares no "${name}" (declared: ${Object.keys(files.values).sort().join(', ') || 'none'})`,
    );
  }
  const vars = Object.freeze({ ...files.values, ...options.vars });
  const partialNames = new Set(files.partials.keys());
  for (const file of files.partials.values())
    problems.push(
      ...checkPartial(
        file,
        Object.keys(vars).map((v) => `vars.${v}`),
        partialNames,
      ),
    );
  const shared = { partials: files.partials, vars, defaultLocale: canonicalLocale(options.defaultLocale) ?? options.defaultLocale, metrics: options.metrics };

  const sets = new Map<string, TemplateSet>();
  for (const set of declared) {
    const headers = compileHeaders(set.headers, set.fields, (header, message) =>
      problems.push(`${manifestPath}: templateSets.${set.name}.headers.${header}: ${message}`),
    );
    const folders = files.sets.get(set.name);
    const compiled = folders && compileTemplateSet({ name: set.name, folders, fields: set.fields, headers }, shared, problems);
    if (compiled) sets.set(set.name, compiled);
  }
  // A part that fails for both sample users is one problem.
  if (problems.length > 0) throw new ConfigError([...new Set(problems)].map(prefixed(options.dir)));

  const routes = new Map<string, EventRoute>();
  for (const set of declared) for (const type of set.eventTypes) routes.set(type, Object.freeze({ template: set.name, fields: set.fields }));
  return Object.freeze({
    dir,
    manifest: manifestPath,
    routes,
    sets,
    set(name: string): TemplateSet {
      const found = sets.get(name);
      if (!found) throw new Error(`no template set "${name}" in ${dir} (sets: ${[...sets.keys()].join(', ')})`);
      return found;
    },
  });
}

/** A problem line names the variable to change, as the configuration's own do. */
function prefixed(dirSetting: string): (problem: string) => string {
  return (problem) => (/^[A-Z][A-Z0-9_]+: /.test(problem) ? problem : `${dirSetting === '' ? 'shipped templates' : 'EMAIL_TEMPLATES_DIR'}: ${problem}`);
}
