import { FORMATS } from './formats.js';

/** What is wrong with one variable's value (its default when unset), or undefined. */
export function checkLeaf(leaf: { readonly format?: unknown; readonly default?: unknown }, raw: string | undefined): string | undefined {
  const { format } = leaf;
  if (Array.isArray(format)) {
    const value = raw ?? leaf.default;
    return format.includes(value) ? undefined : `expected one of ${format.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  const known = typeof format === 'string' ? FORMATS[format] : undefined;
  // Boolean (checked strictly by loadConfig) and String take any text.
  if (!known) return undefined;
  try {
    known.validate(raw === undefined ? leaf.default : known.coerce ? known.coerce(raw) : raw);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
