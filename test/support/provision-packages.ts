/**
 * Global setup shared by the test projects: the Debian packages some tests need (deploy/ci-packages.txt:
 * redis-server, prometheus for promtool) are installed when missing and the tests run as root, so
 * `npm test` on a fresh machine runs every test instead of skipping them. Not root: one line says what
 * is missing, and the tests that need it skip with the reason in their name.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { PROJECT_ROOT } from '../../dev/kafka/options-from-env.js';

/** The package names listed in a packages file: one per line, `#` comments. */
export function listedPackages(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
}

function installed(pkg: string): boolean {
  const query = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return query.status === 0 && query.stdout.includes('install ok installed');
}

export default function setup(): void {
  if (process.platform !== 'linux' || spawnSync('sh', ['-c', 'command -v apt-get']).status !== 0) return;
  const missing = listedPackages(readFileSync(path.join(PROJECT_ROOT, 'deploy', 'ci-packages.txt'), 'utf8')).filter((pkg) => !installed(pkg));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.warn(`test setup: ${missing.join(', ')} not installed and not root; the tests that need them skip (apt-get install ${missing.join(' ')})`);
    return;
  }
  console.warn(`test setup: installing ${missing.join(', ')} (Debian packages some tests need)…`);
  // Synchronous on purpose: every project's setup runs in this one process, never two apt-gets at once.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...missing]]) {
    const result = spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
    if (result.status !== 0) {
      console.warn(`test setup: apt-get ${args[0]} failed (exit ${String(result.status)}); the tests that need ${missing.join(', ')} skip`);
      return;
    }
  }
}
