import { readdirSync, readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { FILE_SECRETS } from '../../../src/platform/config/schema.js';

const ROOT = new URL('../../../', import.meta.url);
const readme = readFileSync(new URL('README.md', ROOT), 'utf8');
const configuration = readFileSync(new URL('docs/configuration.md', ROOT), 'utf8');
const contributing = readFileSync(new URL('CONTRIBUTING.md', ROOT), 'utf8');
const ci = readFileSync(new URL('.ci/run', ROOT), 'utf8');

describe('README, docs/configuration.md and CONTRIBUTING.md › what they say matches the repository', () => {
  it('docs/configuration.md lists every secret that may come from a <NAME>_FILE', () => {
    const sentence = /Secrets never appear[\s\S]*?may instead be read from a file named by `<NAME>_FILE`/.exec(configuration)?.[0] ?? '';
    for (const name of FILE_SECRETS) expect(sentence, name).toContain(`\`${name}\``);
  });

  it('CONTRIBUTING.md names every entry point of cmd/ in the layout', () => {
    const line = /^cmd\/ +entry points: (.*)$/m.exec(contributing)?.[1] ?? '';
    const words = line.replace(/-/g, ' ').toLowerCase();
    for (const file of readdirSync(new URL('cmd/', ROOT)).filter((f) => f.endsWith('.ts'))) {
      expect(words, file).toContain(file.replace(/\.ts$/, '').replace(/-/g, ' '));
    }
  });

  it("CI runs the README's test command", () => {
    const testCommand = /^npm ci && npm test\b/m.exec(/```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '')?.[0] ?? 'missing from the README';
    const ciStep = /readme_test_command\(\) \{([\s\S]*?)\n\}/.exec(ci)?.[1] ?? '';
    expect(ciStep).toContain(testCommand);
  });

  it('CONTRIBUTING.md names every test file CI leaves out of the Node 24 run', () => {
    const section = /## CI on Node 20 and 24\n([\s\S]*?)\n## /.exec(contributing)?.[1] ?? '';
    const excluded = [...ci.matchAll(/--exclude '[^']*?([^'/]+\/)?([^'/]+)\.test\.ts'/g)].map((m) => `${m[1] === 'faults/' ? 'faults/' : ''}${m[2]}`);
    expect(excluded.length).toBeGreaterThan(0);
    for (const name of excluded) expect(section, name).toContain(`\`${name}\``);
  });

  it('the README starts the compiled service with .env, as npm run dev does (npm start reads only the environment)', () => {
    expect(readme).not.toMatch(/`npm run build && npm start`/);
    expect(readme).toContain('node --env-file=.env dist/cmd/service.js');
  });
});
