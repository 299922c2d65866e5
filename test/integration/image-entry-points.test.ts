import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What the image runs, built as the image builds it (tsconfig.build.json) and started as the image
 * starts it (node on the compiled file): every entry point must get past loading its modules.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
let out: string;

beforeAll(async () => {
  // Inside the checkout so that Node resolves node_modules as it does in the image's /app.
  out = mkdtempSync(path.join(ROOT, '.local', 'image-build-'));
  await run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', out], {
    cwd: ROOT,
  });
}, 120_000);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

const jsFiles = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));

async function start(entry: string, args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(out, 'cmd', entry), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('the image’s entry points', () => {
  it('are exactly the service, the redrive CLI and send-test', () => {
    expect(
      readdirSync(path.join(out, 'cmd'))
        .filter((f) => f.endsWith('.js'))
        .sort(),
    ).toEqual(['redrive.js', 'send-test.js', 'service.js']);
    expect(readdirSync(out).sort()).toEqual(['cmd', 'src']);
  });

  it('import only production dependencies and Node built-ins', () => {
    const { dependencies } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const bare = new Set<string>();
    for (const file of jsFiles(out)) {
      const text = readFileSync(path.join(out, file), 'utf8');
      const specs = [
        // A specifier has no white space: `export const schema = { doc: '… from ', … }` is not an import.
        ...text.matchAll(/^\s*(?:import|export)\b[^;]*?from\s*['"]([^'".\s][^'"\s]*)['"]/gm),
        ...text.matchAll(/\bimport\(\s*['"]([^'".][^'"]*)['"]\s*\)/g),
        ...text.matchAll(/^\s*import\s*['"]([^'".][^'"]*)['"]/gm),
      ];
      for (const [, spec] of specs) {
        const name = (spec as string).startsWith('@') ? (spec as string).split('/').slice(0, 2).join('/') : (spec as string).split('/')[0];
        bare.add(name as string);
      }
    }
    const outside = [...bare].filter((name) => !(name in dependencies) && !name.startsWith('node:') && !builtinModules.includes(name));
    expect(bare.size).toBeGreaterThan(5);
    expect(outside).toEqual([]);
  });

  it('service › loads and stops at the configuration check (exit 2, one line per variable)', async () => {
    const { code, stderr } = await start('service.js', [], {});
    expect(code).toBe(2);
    expect(stderr).toMatch(/^email-dispatcher: invalid configuration\n {2}KAFKA_BROKERS: /);
    expect(stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|at .*\.js:\d+/);
  });

  it('redrive › loads and prints its usage', async () => {
    const { code, stdout, stderr } = await start('redrive.js', ['--help'], {});
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/redrive/i);
  });

  it('send-test › loads and prints its usage', async () => {
    const { code, stdout, stderr } = await start('send-test.js', ['--help'], {});
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: send-test --to ADDRESS/);
  });
});
