import type { ParseResult } from '../pipeline/parse-result.js';
import { nameProblem, signupEventSchema, type NameProblem } from '../pipeline/signup-event.js';

export type { ParseResult } from '../pipeline/parse-result.js';

/** Values over this size are refused before decoding. */
export const MAX_EVENT_BYTES = 1024 * 1024;


const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns a Kafka value into a sign-up event or a reason it can never be one. Reasons name the
 * field and the rule, never the offending value (it may be an address).
 */
export function parseEvent(value: Buffer | null | undefined): ParseResult {
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
  const result = signupEventSchema.safeParse(json);
  if (result.success) {
    const dropped = result.data.user.name === undefined ? droppedName(json) : undefined;
    return dropped ? { ok: true, event: result.data, nameDropped: dropped } : { ok: true, event: result.data };
  }
  const issues = result.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  return { ok: false, error: `schema violation: ${issues.join('; ')}` };
}

/** Why the schema dropped the name of a valid event, if it had one: the schema checked it is a string. */
function droppedName(json: unknown): NameProblem | undefined {
  const name = (json as { user: { name?: unknown } }).user.name;
  return typeof name === 'string' ? nameProblem(name) : undefined;
}
