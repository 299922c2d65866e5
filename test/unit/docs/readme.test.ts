import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

import { describe, expect, it } from 'vitest';

import { configEnvNames, loadConfig } from '../../../src/platform/config/config.js';

const read = (file: string) => readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');

// That every variable is documented (in docs/configuration.md) is doc-variables.test.ts.
describe('README and .env stay true to the config schema', () => {
  it('the README opens with the two commands: run the demo, run the tests', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(read('README.md'))?.[1] ?? '';
    const commands = firstBlock
      .split('\n')
      .filter(Boolean)
      .map((line) => line.replace(/\s+#.*$/, '').trim());
    expect(commands).toEqual(['npm ci && npm run demo', 'npm ci && npm test']);
  });

  it('.env sets only known variables and is a valid configuration', () => {
    const env = parseEnv(read('.env'));
    const known = new Set(configEnvNames());
    expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
    expect(() => loadConfig(env)).not.toThrow();
  });
});
