import type { NameProblem, SignupEvent } from './signup-event.js';

/**
 * An event with the template set its type maps to, or why the value can never be one.
 * `nameDropped` is set, with the reason, when the event was valid but its display name was not: the
 * event comes without the name and is still sent. A refused value names its `template` when its type
 * was mapped; `unmappedType` is set when the type is well formed but no template set serves it, so
 * the dispatcher can skip it instead of dead-lettering it. `eventId` is set when it could be read
 * (an unmapped type, a well-formed event that lacks a field its set needs).
 */
export type ParseResult =
  | { ok: true; event: SignupEvent; template: string; nameDropped?: NameProblem }
  | { ok: false; error: string; template?: string; unmappedType?: string; eventId?: string };
