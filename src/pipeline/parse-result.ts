import type { NameProblem, SignupEvent } from './signup-event.js';

/**
 * An event, or why the value can never be one. `nameDropped` is set, with the reason, when the event
 * was valid but its display name was not: the event comes without the name and is still sent.
 */
export type ParseResult = { ok: true; event: SignupEvent; nameDropped?: NameProblem } | { ok: false; error: string };
