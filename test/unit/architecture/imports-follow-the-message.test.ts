import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The house rule (docs/architecture.md): a message goes intake → delivery → settle. A stage may use a
 * later stage and the shared vocabulary (pipeline) and platform; nothing imports back up the flow.
 */
const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

/** What each folder of src/ may import, besides itself. */
const ALLOWED: Record<string, readonly string[]> = {
  platform: [],
  pipeline: ['platform'],
  settle: ['pipeline', 'platform'],
  email: ['pipeline', 'platform'],
  smtp: ['email', 'pipeline', 'platform'],
  ledger: ['pipeline', 'platform'],
  delivery: ['email', 'smtp', 'ledger', 'pipeline', 'platform'],
  readiness: ['delivery', 'platform'],
  intake: ['delivery', 'settle', 'pipeline', 'platform'],
  redrive: ['settle', 'pipeline', 'platform'],
  /** The composition root's parts (client building, the shutdown plan): they see every stage. */
  composition: ['intake', 'delivery', 'email', 'smtp', 'ledger', 'readiness', 'settle', 'pipeline', 'platform'],
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1] as string).filter((spec) => spec.startsWith('.'));
}

const folderOf = (file: string) => path.relative(SRC, file).split(path.sep)[0] as string;

const edges = filesUnder(SRC).flatMap((file) =>
  importsOf(file).map((spec) => ({ from: path.relative(SRC, file), to: path.relative(SRC, path.resolve(path.dirname(file), spec)), fromFolder: folderOf(file), toFolder: folderOf(path.resolve(path.dirname(file), spec)) })),
);

describe('imports follow the message', () => {
  it('finds the imports it checks (the rule cannot pass vacuously)', () => {
    expect(edges.filter((e) => e.fromFolder !== e.toFolder).length).toBeGreaterThan(30);
  });

  it('no stage imports an earlier one; only app.ts (the composition root) imports across everything', () => {
    const wrong = edges
      .filter((e) => e.fromFolder !== 'app.ts' && e.fromFolder !== e.toFolder)
      .filter((e) => !(ALLOWED[e.fromFolder] ?? []).includes(e.toFolder))
      .map((e) => `${e.from} → ${e.to}`);
    expect(wrong).toEqual([]);
  });

  it('nothing in src/ imports the composition root (or its parts), dev tools or benchmarks', () => {
    const wrong = edges
      .filter((e) => e.to === 'app.ts' || e.to.startsWith('..') || (e.toFolder === 'composition' && e.from !== 'app.ts' && e.fromFolder !== 'composition'))
      .map((e) => `${e.from} → ${e.to}`);
    expect(wrong).toEqual([]);
  });

  it('has no import cycle between files', () => {
    const graph = new Map<string, string[]>();
    for (const e of edges) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
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
    expect(cycles).toEqual([]);
  });
});
