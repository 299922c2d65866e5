import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('npm start', () => {
  it('without a build says so in one line, not with a module-not-found stack', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'npm-start-'));
    try {
      copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
      const run = spawnSync('npm', ['start', '--silent'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, npm_config_update_notifier: 'false' },
        timeout: 60_000,
      });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('email-dispatcher: not built: run npm run build first');
      expect(run.stderr).not.toContain('ERR_MODULE_NOT_FOUND');
      expect(run.stderr).not.toMatch(/^\s+at /m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
