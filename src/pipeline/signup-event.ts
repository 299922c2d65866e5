import { z } from 'zod';

import { parseAddress } from './email-address.js';
import { EVENT_TYPE } from './event-routes.js';

/** Longest display name kept, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 200;

/**
 * Why a display name was dropped: stable codes, fit for a metric label. A dropped name never costs
 * the email; it is sent with the greeting and To header that have no name.
 */
export const NAME_PROBLEMS = ['too_long', 'line_break', 'control_character', 'bidi_control', 'format_character', 'encoded_word'] as const;
export type NameProblem = (typeof NAME_PROBLEMS)[number];

/** CR, LF, VT, FF, NEL and the Unicode line and paragraph separators: each ends a line somewhere. */
const LINE_BREAK = /[\n\v\f\r\u0085\u2028\u2029]/u;
/** C0 and C1 controls and DEL (TAB, NUL, ESC…): nothing a person types into a name. */
const CONTROL_CHARACTER = /\p{Cc}/u;
/**
 * Unicode's Bidi_Control set: embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069) and
 * the marks LRM, RLM and ALM (U+200E, U+200F, U+061C). Overrides and isolates reorder what follows,
 * "Trojan Source" style (https://trojansource.codes, UTS #55). The marks are refused too: their only
 * effect is to move neighbouring digits and punctuation — the "!" of the greeting, the "<address>"
 * beside the name — with nothing visible to show it; a name written in one script needs none, and
 * the cost of refusing one is a greeting without the name.
 */
const BIDI_CONTROL = /\p{Bidi_Control}/u;
/**
 * Format characters that hide text or change how other text is drawn: the deprecated shaping and
 * digit controls (U+206A–U+206F), interlinear annotations (U+FFF9–U+FFFB, whose annotation a reader
 * may never show) and tag characters (U+E0000–U+E007F, invisible ASCII that a machine still reads).
 * Every other format character stays: ZWJ and ZWNJ write Persian, Indic scripts and emoji sequences;
 * variation selectors, soft hyphens, zero-width spaces and word joiners are harmless.
 */
const HIDING_FORMAT_CHARACTER = /[\u206a-\u206f\ufff9-\ufffb\u{E0000}-\u{E007F}]/u;
/** Tag characters are kept only where emoji use them: a subdivision flag such as 🏴 gbsct (UTS #51 ED-14a, CLDR subdivision id). */
const SUBDIVISION_FLAG = /\u{1F3F4}(?:[\u{E0061}-\u{E007A}]{2}|[\u{E0030}-\u{E0039}]{3})[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{1,4}\u{E007F}/gu;

/**
 * Why a display name cannot go into a greeting or a header, or undefined when it can. Only what can
 * inject (line breaks, controls) or disguise (bidi controls, hidden text, MIME encoded words) is refused.
 */
export function nameProblem(name: string): NameProblem | undefined {
  if (name.length > MAX_NAME_LENGTH) return 'too_long';
  if (LINE_BREAK.test(name)) return 'line_break';
  if (CONTROL_CHARACTER.test(name)) return 'control_character';
  if (BIDI_CONTROL.test(name)) return 'bidi_control';
  if (HIDING_FORMAT_CHARACTER.test(name) && HIDING_FORMAT_CHARACTER.test(name.replace(SUBDIVISION_FLAG, ''))) return 'format_character';
  // A MIME encoded word in the display name lets a mail reader show a different sender-chosen text.
  if (name.includes('=?')) return 'encoded_word';
  return undefined;
}

/** An event id: what a Message-ID, a receipt key and a log line carry. */
export const EVENT_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The user event contract (Kafka value, UTF-8 JSON; key = user id): a sign-up (`user.signed_up`) or
 * any other type the templates' manifest maps to a template set, whose fields come in `data`.
 * Unknown fields are ignored so producers can add fields without breaking the dispatcher. A name
 * that is a string but fails {@link nameProblem} is dropped (the output has no name), never the
 * event: only the name was bad.
 */
export const signupEventSchema = z.object({
  eventId: z.string().regex(EVENT_ID, 'must match [A-Za-z0-9._-]{1,128}'),
  // Which types are served is the templates' manifest's (parse-event.ts looks the type up first).
  type: z.string().regex(EVENT_TYPE, 'must be an event type such as "user.signed_up"'),
  occurredAt: z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time' }),
  user: z
    .object({
      id: z.string().min(1).max(256),
      // RFC 6531 addresses (UTF-8 local part, U- or A-label domain), and nothing that could route elsewhere
      // or disguise: no quotes, comments, IP literals, white space, controls or format characters (email-address.ts).
      email: z.string().refine((email) => typeof parseAddress(email) !== 'string', { error: 'invalid email address' }),
      // A name that is not a string is a producer bug and refuses the event; a string is what someone typed.
      name: z.string().optional(),
      locale: z
        .string()
        .regex(/^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 tag')
        .optional(),
    })
    .transform(({ name, ...user }) => {
      const kept: { name?: string } = name === undefined || nameProblem(name) ? {} : { name };
      return { ...user, ...kept };
    }),
  // What a template set needs beyond the user (a verification link…): the manifest names and checks each field.
  data: z.record(z.string(), z.unknown()).optional(),
});

export type SignupEvent = z.infer<typeof signupEventSchema>;
