import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { parse, parseAllDocuments } from 'yaml';

/** The repository root, with a trailing slash. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function readText(path: string): string {
  return readFileSync(ROOT + path, 'utf8');
}

export function readYaml<T = unknown>(path: string): T {
  return parse(readText(path)) as T;
}

/** Every document of a multi-document YAML text, null documents dropped. */
export function parseYamlDocuments<T = unknown>(text: string, source: string): T[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as T | null;
    return value === null ? [] : [value];
  });
}

/** `KEY=value` lines of an env file (kustomize configMapGenerator `envs`), comments skipped. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new Error(`not KEY=value: "${line}"`);
    out[trimmed.slice(0, eq)] = trimmed.slice(eq + 1);
  }
  return out;
}

/**
 * The absolute path of an executable on PATH, or undefined. Tests that need an external tool
 * (kubectl, promtool) skip with a message naming the package to install when it is missing.
 */
export function findExecutable(name: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = result.stdout.trim();
  return result.status === 0 && path !== '' ? path : undefined;
}

/** Runs a command from the repository root and returns its stdout; throws with its output when it exits non-zero. */
export function run(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${String(result.status)}\n${result.stdout}${result.stderr}`);
  return result.stdout;
}
