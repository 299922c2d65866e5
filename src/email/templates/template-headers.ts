import type { FieldKind } from '../../pipeline/event-routes.js';

/** The headers a manifest may set, by lower-case name: every other name is refused at start. */
export const MANIFEST_HEADERS: Readonly<Record<string, string>> = {
  'feedback-id': 'Feedback-ID',
  'list-unsubscribe': 'List-Unsubscribe',
  'list-unsubscribe-post': 'List-Unsubscribe-Post',
};

/** RFC 8058 3.1: the only value List-Unsubscribe-Post may have. */
export const ONE_CLICK = 'List-Unsubscribe=One-Click';

/** What a List-Unsubscribe URL may take from the event, each value percent-encoded. */
export interface HeaderEvent {
  readonly eventId: string;
  readonly user: { readonly id: string };
  readonly data?: Readonly<Record<string, unknown>> | undefined;
}

/** A set's headers for one event, as [name, value] pairs of printable ASCII. */
export type SetHeaders = (event: HeaderEvent) => ReadonlyArray<readonly [string, string]>;

/** RFC 5322 2.1.1: a line is at most 998 characters. */
const MAX_LINE = 998;
const LINE_BREAK = /[\r\n\u2028\u2029\u0085]/u;
const PRINTABLE = /^[\x20-\x7e]*$/;
const PLACEHOLDER = /\{(eventId|user\.id|data\.[A-Za-z][A-Za-z0-9_]*)\}/g;
/** One `<URI>` of List-Unsubscribe (RFC 2369): https or mailto, nothing that ends it early. */
const UNSUBSCRIBE_URI = /^<(?:https:\/\/|mailto:)[^<>\s"\\]+>$/;

/**
 * Checks a manifest's `headers` for one set and compiles them. Refused: names other than
 * Feedback-ID, List-Unsubscribe and List-Unsubscribe-Post; line breaks and anything not printable
 * ASCII; a List-Unsubscribe that is not a list of `<https://…>` or `<mailto:…>` URIs, or that names a
 * placeholder other than `{eventId}`, `{user.id}` and the set's own `{data.<field>}`; a
 * List-Unsubscribe-Post other than `List-Unsubscribe=One-Click`, or without an https URI to post to.
 * Each problem goes to `problem(header, message)`. Undefined when the set has no headers.
 */
export function compileHeaders(
  raw: Readonly<Record<string, unknown>>,
  fields: Readonly<Record<string, FieldKind>>,
  problem: (header: string, message: string) => void,
): SetHeaders | undefined {
  const headers: Array<readonly [string, string]> = [];
  for (const [name, value] of Object.entries(raw)) {
    const canonical = MANIFEST_HEADERS[name.toLowerCase()];
    if (!canonical) {
      problem(name, `not a header a manifest may set (known: ${Object.values(MANIFEST_HEADERS).join(', ')})`);
      continue;
    }
    if (typeof value !== 'string' || value.trim() === '') problem(name, 'expected a non-empty string');
    else if (LINE_BREAK.test(value)) problem(name, 'must be one line (no line breaks)');
    else if (!PRINTABLE.test(value)) problem(name, 'must be printable ASCII (no control or non-ASCII characters)');
    else if (`${canonical}: ${value}`.length > MAX_LINE - 100) problem(name, `longer than ${MAX_LINE - 100 - canonical.length - 2} characters`);
    else if (headers.some(([other]) => other === canonical)) problem(name, 'set twice');
    else if (checkValue(canonical, value, fields, (message) => problem(name, message))) headers.push([canonical, value]);
  }
  const unsubscribe = headers.find(([name]) => name === 'List-Unsubscribe')?.[1];
  if (headers.some(([name]) => name === 'List-Unsubscribe-Post') && !unsubscribe?.includes('<https://')) {
    problem('List-Unsubscribe-Post', 'needs a List-Unsubscribe with an https URI to post to (RFC 8058)');
  }
  if (headers.length === 0) return undefined;
  const frozen = Object.freeze(headers);
  if (!frozen.some(([, value]) => value.includes('{'))) return () => frozen;
  return (event) => frozen.map(([name, value]) => [name, fill(name, value, event)] as const);
}

function checkValue(name: string, value: string, fields: Readonly<Record<string, FieldKind>>, problem: (message: string) => void): boolean {
  switch (name) {
    case 'List-Unsubscribe-Post':
      if (value === ONE_CLICK) return true;
      problem(`must be "${ONE_CLICK}" (RFC 8058)`);
      return false;
    case 'List-Unsubscribe': {
      const unknown = [...value.matchAll(PLACEHOLDER)].map((m) => m[1] as string).filter((p) => p.startsWith('data.') && !Object.hasOwn(fields, p.slice(5)));
      if (unknown.length > 0) {
        problem(`{${unknown[0]}} is not a field of this set (fields: ${Object.keys(fields).join(', ') || 'none'}; also {eventId}, {user.id})`);
        return false;
      }
      const filled = value.replace(PLACEHOLDER, 'x');
      if (/[{}]/.test(filled)) {
        problem('a placeholder is {eventId}, {user.id} or {data.<field>}');
        return false;
      }
      if (filled.split(',').every((uri) => UNSUBSCRIBE_URI.test(uri.trim()))) return true;
      problem('expected <https://…> or <mailto:…> URIs, comma separated (RFC 2369)');
      return false;
    }
    default:
      if (!value.includes('{')) return true;
      problem('takes no placeholders (only List-Unsubscribe does)');
      return false;
  }
}

/** The header with the event's values percent-encoded into it; throws past the line limit (the email cannot be composed). */
function fill(name: string, value: string, event: HeaderEvent): string {
  const filled = value.replace(PLACEHOLDER, (_, key: string) => {
    const field = key.slice('data.'.length);
    const raw =
      key === 'eventId' ? event.eventId : key === 'user.id' ? event.user.id : event.data && Object.hasOwn(event.data, field) ? event.data[field] : undefined;
    return encodeURIComponent(typeof raw === 'string' ? raw : '');
  });
  if (`${name}: ${filled}`.length > MAX_LINE) throw new Error(`${name} would be longer than ${MAX_LINE} characters with this event's values`);
  return filled;
}
