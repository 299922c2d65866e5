/**
 * Which template set an event `type` gets, and what that set needs from the event: the vocabulary
 * intake and delivery share. The routes are data, read from the templates' manifest once at start
 * (src/email/templates/template-manifest.ts); an event is looked up once, with one map read.
 */

/** How a field of the event's `data` is checked before a template may show it. */
export const FIELD_KINDS = ['text', 'url'] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

export interface EventRoute {
  /** The template set's name: its folder beside the manifest. */
  readonly template: string;
  /** Fields of the event's `data` the set's templates use (`{{data.verificationUrl}}`), each required, by kind. */
  readonly fields: Readonly<Record<string, FieldKind>>;
}

/** Event `type` → its template set. */
export type EventRoutes = ReadonlyMap<string, EventRoute>;

/** The type every templates folder without a manifest serves, with the set it has always been. */
export const SIGNUP_TYPE = 'user.signed_up';
export const WELCOME_SET = 'welcome';

/** A templates folder without a manifest: sign-ups get the welcome email, nothing else is mapped. */
export const WELCOME_ONLY: EventRoutes = new Map([[SIGNUP_TYPE, Object.freeze({ template: WELCOME_SET, fields: Object.freeze({}) })]]);

/** An event type: dotted words, as `user.signed_up`; safe in a log line, a metric label and an error. */
export const EVENT_TYPE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** A field name, as a template writes it after `data.`. */
export const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Longest field value kept, in UTF-16 code units: a link or a line of text, not a document. */
export const MAX_FIELD_LENGTH = { text: 500, url: 2048 } as const satisfies Record<FieldKind, number>;

/** Line breaks, controls and bidi controls: nothing that could end a line or reorder what a reader sees. */
const UNSAFE_TEXT = /[\p{Cc}\p{Bidi_Control}\u2028\u2029]/u;
/**
 * An absolute http(s) URL of printable ASCII, without the characters that end an HTML attribute or
 * a `<…>` in a header (`"`, `<`, `>`, `` ` ``, `\`, white space): a link a template may put in `href`.
 * `javascript:` and `data:` links are refused by the scheme.
 */
const SAFE_URL = /^https?:\/\/[!#-;=?-[\]-_a-~]+$/;

/** Why a `data` field cannot be shown, or undefined when it can. Never names the value (it may be personal). */
export function fieldProblem(kind: FieldKind, value: unknown): string | undefined {
  if (value === undefined || value === null) return 'missing';
  if (typeof value !== 'string') return 'must be a string';
  if (value.trim() === '') return 'must not be empty';
  if (value.length > MAX_FIELD_LENGTH[kind]) return `longer than ${MAX_FIELD_LENGTH[kind]} characters`;
  switch (kind) {
    case 'text':
      return UNSAFE_TEXT.test(value) ? 'must not contain line breaks, control or bidi control characters' : undefined;
    case 'url':
      return SAFE_URL.test(value) && URL.canParse(value) ? undefined : 'must be an absolute http(s) URL of printable ASCII';
    default: {
      const never: never = kind;
      throw new Error(`unknown field kind ${String(never)}`);
    }
  }
}
