import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FILE_SECRETS } from '../../../src/platform/config-schema.js';

const ROOT = new URL('../../../', import.meta.url);
const readme = readFileSync(new URL('README.md', ROOT), 'utf8');

describe('README › what it says matches the repository', () => {
  it('lists every secret that may come from a <NAME>_FILE', () => {
    const sentence = /Secrets never appear[\s\S]*?may instead be read from a file named by `<NAME>_FILE`/.exec(readme)?.[0] ?? '';
    for (const name of FILE_SECRETS) expect(sentence, name).toContain(`\`${name}\``);
  });

  it('names every entry point of cmd/ in the layout', () => {
    const line = /^cmd\/ +entry points: (.*)$/m.exec(readme)?.[1] ?? '';
    const words = line.replace(/-/g, ' ').toLowerCase();
    for (const file of readdirSync(new URL('cmd/', ROOT)).filter((f) => f.endsWith('.ts'))) {
      expect(words, file).toContain(file.replace(/\.ts$/, '').replace(/-/g, ' '));
    }
  });

  it('starts the compiled service with .env, as npm run dev does (npm start reads only the environment)', () => {
    expect(readme).not.toMatch(/`npm run build && npm start`/);
    expect(readme).toContain('node --env-file=.env dist/cmd/service.js');
  });
});
