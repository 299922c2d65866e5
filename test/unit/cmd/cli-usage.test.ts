import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function run(entry: string, args: readonly string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', `cmd/${entry}.ts`, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, KAFKA_BROKERS: '127.0.0.1:1' },
  });
}

describe('a bad flag gets one line and a pointer to --help, exit 2', () => {
  it.each([
    ['load-test', ['--events', '-5'], 'load-test: --events must be an integer from 1'],
    ['load-test', ['--bogus'], "load-test: Unknown option '--bogus'"],
    ['redrive', ['--limit', '-5'], 'redrive: --limit: expected an integer >= 1, got "-5"'],
  ])(
    '%s %j',
    (entry, args, first) => {
      const result = run(entry, args);
      expect(result.status).toBe(2);
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining(first), 'Try --help.']);
      // Starting tsx takes seconds on a loaded machine (7 s seen); the child's own timeout is the bound.
    },
    60_000,
  );
});
