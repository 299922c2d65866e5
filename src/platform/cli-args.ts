/**
 * `--limit -5` → `--limit=-5`: node's parseArgs takes a value that starts with a dash for another
 * option and reports an "ambiguous" argument; joined, the value reaches the option's own check,
 * which says what it expects ("--limit: expected an integer >= 1, got "-5"").
 */
export function attachNegativeValues(argv: readonly string[], options: Record<string, { type: 'string' | 'boolean' }>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i += 1;
    } else {
      out.push(arg);
    }
  }
  return out;
}
