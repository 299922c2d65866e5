import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { EVENT_TYPE, FIELD_KINDS, FIELD_NAME, type FieldKind } from '../../pipeline/event-routes.js';

/** The manifest's file, beside values.json at the top of a templates folder. */
export const MANIFEST_FILE = 'manifest.json';

/** A template set's name: its folder, a metric label, a receipt field and a DLQ header. */
export const SET_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** One template set as the manifest declares it. */
export interface ManifestSet {
  readonly name: string;
  /** Event types whose events get this set. */
  readonly eventTypes: readonly string[];
  /** Fields of the event's `data` its templates use, by kind. */
  readonly fields: Readonly<Record<string, FieldKind>>;
  /** Header name → value as written (checked by template-headers.ts). */
  readonly headers: Readonly<Record<string, unknown>>;
}

const SET_KEYS = ['eventTypes', 'fields', 'headers'];

/**
 * The manifest of a templates folder, or undefined when it has none (then the folder is the welcome
 * set alone, as before manifests). Every problem names the file and the key:
 *
 * ```json
 * { "templateSets": {
 *     "welcome": { "eventTypes": ["user.signed_up"] },
 *     "verify-email": { "eventTypes": ["user.email_verification_requested"], "fields": { "verificationUrl": "url" },
 *                       "headers": { "Feedback-ID": "verify:acme" } } } }
 * ```
 */
export function readManifest(dir: string, problems: string[]): ManifestSet[] | undefined {
  const file = path.join(dir, MANIFEST_FILE);
  if (!existsSync(file)) return undefined;
  const at = (key: string, message: string) => problems.push(`${file}: ${key}: ${message}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`${file}: not JSON (${(err as Error).message})`);
    return [];
  }
  const top = isObject(parsed) ? parsed : undefined;
  const unknownTop = top ? Object.keys(top).filter((key) => key !== 'templateSets') : [];
  for (const key of unknownTop) at(key, 'unknown key (expected only "templateSets")');
  const declared = top?.templateSets;
  if (!isObject(declared) || Object.keys(declared).length === 0) {
    at('templateSets', 'expected an object of template sets, e.g. {"welcome": {"eventTypes": ["user.signed_up"]}}');
    return [];
  }
  const sets: ManifestSet[] = [];
  const typeOwner = new Map<string, string>();
  for (const [name, raw] of Object.entries(declared)) {
    const key = `templateSets.${name}`;
    if (!SET_NAME.test(name)) at(key, 'a set\'s name is its folder: lower-case letters and digits, words joined by single "-"');
    if (!isObject(raw)) {
      at(key, 'expected an object with "eventTypes" (and optionally "fields", "headers")');
      continue;
    }
    for (const extra of Object.keys(raw).filter((k) => !SET_KEYS.includes(k))) at(`${key}.${extra}`, `unknown key (expected ${SET_KEYS.join(', ')})`);
    const eventTypes = Array.isArray(raw.eventTypes) ? raw.eventTypes : undefined;
    if (!eventTypes || eventTypes.some((type) => typeof type !== 'string' || !EVENT_TYPE.test(type)))
      at(`${key}.eventTypes`, 'expected an array of event types such as "user.signed_up"');
    for (const type of (eventTypes ?? []).filter((t): t is string => typeof t === 'string')) {
      const owner = typeOwner.get(type);
      if (owner !== undefined) at(`${key}.eventTypes`, `"${type}" is mapped by the set "${owner}" too (an event type gets one set)`);
      else typeOwner.set(type, name);
    }
    const fields: Record<string, FieldKind> = {};
    const rawFields = raw.fields ?? {};
    if (!isObject(rawFields)) at(`${key}.fields`, `expected an object of field names and kinds (${FIELD_KINDS.join(', ')})`);
    else {
      for (const [field, kind] of Object.entries(rawFields)) {
        if (!FIELD_NAME.test(field))
          at(`${key}.fields.${field}`, 'a field name is letters, digits and _, starting with a letter (the template writes {{data.<name>}})');
        else if (!(FIELD_KINDS as readonly unknown[]).includes(kind)) at(`${key}.fields.${field}`, `expected one of ${FIELD_KINDS.join(', ')}`);
        else fields[field] = kind as FieldKind;
      }
    }
    const headers = raw.headers ?? {};
    if (!isObject(headers)) at(`${key}.headers`, 'expected an object of header names and values');
    sets.push({ name, eventTypes: (eventTypes ?? []).filter((t): t is string => typeof t === 'string'), fields, headers: isObject(headers) ? headers : {} });
  }
  return sets;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
