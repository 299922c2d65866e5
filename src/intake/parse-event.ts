import { EVENT_TYPE, type EventRoute, type EventRoutes, type FieldKind, fieldProblem, WELCOME_ONLY } from '../pipeline/event-routes.js';
import type { ParseResult } from '../pipeline/parse-result.js';
import { EVENT_ID, type NameProblem, nameProblem, signupEventSchema } from '../pipeline/signup-event.js';

/** Values over this size are refused before decoding. */
export const MAX_EVENT_BYTES = 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns a Kafka value into an event with its template set, or a reason it can never be one. The
 * type is looked up first (one map read), so a type no template set serves is reported as unmapped
 * whatever the rest of its shape; a mapped event must then carry every field its set needs. Reasons
 * name the field and the rule, never the offending value (it may be an address).
 */
export function parseEvent(value: Buffer | null | undefined, routes: EventRoutes = WELCOME_ONLY): ParseResult {
  if (value == null || value.length === 0) return { ok: false, error: 'empty value' };
  if (value.length > MAX_EVENT_BYTES) return { ok: false, error: `value is ${value.length} bytes, over the ${MAX_EVENT_BYTES}-byte limit` };
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return { ok: false, error: 'value is not valid UTF-8' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: err instanceof RangeError ? 'value is nested too deeply' : 'value is not JSON' };
  }
  const type = (json as { type?: unknown } | null)?.type;
  const route = typeof type === 'string' ? routes.get(type) : undefined;
  if (!route && typeof type === 'string' && EVENT_TYPE.test(type)) return unmapped(type, json, routes);
  const result = signupEventSchema.safeParse(json);
  const template = route?.template as string;
  if (!result.success) {
    const issues = result.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    return { ok: false, error: `schema violation: ${issues.join('; ')}`, ...(route ? { template } : {}) };
  }
  const missing = fieldProblems(result.data.data, route as EventRoute);
  // The event is well formed, so its id is known: the receipt and the log can name it.
  if (missing) return { ok: false, error: `schema violation: ${missing}`, template, eventId: result.data.eventId };
  const dropped = result.data.user.name === undefined ? droppedName(json) : undefined;
  return dropped ? { ok: true, event: result.data, template, nameDropped: dropped } : { ok: true, event: result.data, template };
}

/** The fields of `data` the event's template set needs that are missing or unfit, or undefined. */
function fieldProblems(data: Record<string, unknown> | undefined, route: EventRoute): string | undefined {
  const problems: string[] = [];
  for (const name in route.fields) {
    // Own properties only: a field named like an Object method must not find the prototype's.
    const problem = fieldProblem(route.fields[name] as FieldKind, data && Object.hasOwn(data, name) ? data[name] : undefined);
    if (problem) problems.push(`data.${name}: ${problem} (the ${route.template} template set needs it)`);
  }
  return problems.length > 0 ? problems.slice(0, 5).join('; ') : undefined;
}

/** A well-formed type that no template set serves; its event id when it has a readable one. */
function unmapped(type: string, json: unknown, routes: EventRoutes): ParseResult {
  const eventId = (json as { eventId?: unknown }).eventId;
  const served = [...routes.keys()].slice(0, 10).join(', ');
  return {
    ok: false,
    error: `type: no template set for "${type}" (served: ${served || 'none'})`,
    unmappedType: type,
    ...(typeof eventId === 'string' && EVENT_ID.test(eventId) ? { eventId } : {}),
  };
}

/** Why the schema dropped the name of a valid event, if it had one: the schema checked it is a string. */
function droppedName(json: unknown): NameProblem | undefined {
  const name = (json as { user: { name?: unknown } }).user.name;
  return typeof name === 'string' ? nameProblem(name) : undefined;
}
