import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

/**
 * The house rule, written once: a message goes intake → delivery → settle, and a folder of src/ imports
 * only what its row below names (besides itself). docs/architecture.md shows the same table; a test
 * below holds the two equal.
 */
const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));
const DOC = fileURLToPath(new URL('../../../docs/architecture.md', import.meta.url));

const ALLOWED: Record<string, readonly string[]> = {
  platform: [],
  pipeline: ['platform'],
  readiness: ['platform'],
  email: ['pipeline', 'platform'],
  smtp: ['email', 'pipeline', 'platform'],
  ledger: ['pipeline', 'platform'],
  /** Intake declares the ports it calls (intake/ports.ts); the root passes the tracker and the dispatcher in. */
  intake: ['pipeline', 'platform'],
  delivery: ['email', 'smtp', 'ledger', 'pipeline', 'platform'],
  settle: ['pipeline', 'platform'],
  redrive: ['settle', 'pipeline', 'platform'],
  /** The composition root's parts (client building, the shutdown plan, the SMTP side's wiring). */
  composition: ['intake', 'delivery', 'email', 'smtp', 'ledger', 'settle', 'readiness', 'pipeline', 'platform'],
};
/** The composition root: it may import every folder, and nothing imports it. */
const ROOT_FILE = 'app.ts';
const STAGES = ['intake', 'delivery', 'settle', 'redrive'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Relative specifiers of static imports and re-exports, side-effect imports and dynamic import(). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms),
    ...text.matchAll(/^\s*import\s+'([^']+)'/gm),
    ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
  ];
  return found.map((m) => m[1] as string).filter((spec) => spec.startsWith('.'));
}

const folderOf = (srcRelative: string) => srcRelative.split(path.sep)[0] as string;

const edges = filesUnder(SRC).flatMap((file) =>
  importsOf(file).map((spec) => {
    const from = path.relative(SRC, file);
    const to = path.relative(SRC, path.resolve(path.dirname(file), spec));
    return { from, to, fromFolder: folderOf(from), toFolder: folderOf(to) };
  }),
);
const crossing = edges.filter((e) => e.fromFolder !== e.toFolder);

describe('imports follow the message', () => {
  it('finds the imports it checks (the rule cannot pass vacuously)', () => {
    expect(crossing.length).toBeGreaterThan(30);
    expect(crossing.some((e) => e.fromFolder === 'delivery' && e.toFolder === 'smtp')).toBe(true);
  });

  it('every folder of src/ has a row in the table', () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => !(f in ALLOWED))).toEqual([]);
  });

  it('each folder imports only what its row allows; only the root imports across everything', () => {
    const wrong = crossing
      .filter((e) => e.fromFolder !== ROOT_FILE)
      .filter((e) => !(ALLOWED[e.fromFolder] ?? []).includes(e.toFolder))
      .map((e) => `${e.from} → ${e.to}`);
    expect(wrong).toEqual([]);
  });

  it('the table keeps intake off delivery and settle, every stage off the composition, the vocabulary off every stage', () => {
    const allowed = (from: string, to: string) => (ALLOWED[from] ?? []).includes(to);
    const breaches = [
      ...['delivery', 'settle'].filter((to) => allowed('intake', to)).map((to) => `intake → ${to}`),
      ...STAGES.filter((stage) => allowed(stage, 'composition')).map((stage) => `${stage} → composition`),
      ...STAGES.filter((stage) => allowed('pipeline', stage)).map((stage) => `pipeline → ${stage}`),
    ];
    expect(breaches).toEqual([]);
  });

  it('nothing in src/ imports the composition root (or its parts), dev tools or benchmarks', () => {
    const wrong = edges
      .filter((e) => e.to === ROOT_FILE || e.to.startsWith('..') || (e.toFolder === 'composition' && e.from !== ROOT_FILE && e.fromFolder !== 'composition'))
      .map((e) => `${e.from} → ${e.to}`);
    expect(wrong).toEqual([]);
  });

  it('has no import cycle between files, nor between folders', () => {
    const cyclesOf = (pairs: ReadonlyArray<readonly [string, string]>): string[] => {
      const graph = new Map<string, string[]>();
      for (const [from, to] of pairs) graph.set(from, [...(graph.get(from) ?? []), to]);
      const cycles: string[] = [];
      const state = new Map<string, 'visiting' | 'done'>();
      const visit = (node: string, trail: string[]): void => {
        if (state.get(node) === 'done') return;
        if (state.get(node) === 'visiting') {
          cycles.push([...trail.slice(trail.indexOf(node)), node].join(' → '));
          return;
        }
        state.set(node, 'visiting');
        for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
        state.set(node, 'done');
      };
      for (const node of graph.keys()) visit(node, []);
      return cycles;
    };
    expect(cyclesOf(edges.map((e) => [e.from, e.to] as const))).toEqual([]);
    expect(cyclesOf(Object.entries(ALLOWED).flatMap(([from, tos]) => tos.map((to) => [from, to] as const)))).toEqual([]);
  });

  it("docs/architecture.md's table shows the same rule", () => {
    // Rows: | `src/<folder>/` | its one job | `a/`, `b/` (or "nothing of ours") |
    const rows = [...readFileSync(DOC, 'utf8').matchAll(/^\| `src\/([\w-]+)\/` \|[^|\n]*\| ([^|\n]*) \|$/gm)];
    const documented = Object.fromEntries(rows.map((m) => [m[1] as string, [...(m[2] as string).matchAll(/`([\w-]+)\/`/g)].map((x) => x[1] as string).sort()]));
    const rule = Object.fromEntries(Object.entries(ALLOWED).map(([folder, tos]) => [folder, [...tos].sort()]));
    expect(documented).toEqual(rule);
  });
});
