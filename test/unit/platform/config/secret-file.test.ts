import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { logSecretFileEvent, readSecretFile, type SecretFileEvent, watchSecretFile } from '../../../../src/platform/config/secret-file.js';
import { createLogger } from '../../../../src/platform/logger.js';
import { scratchDir, secretVolume } from './fixtures.js';

const tmp = scratchDir('secret-file');

/** A mounted Secret holding `initial`, followed by watchSecretFile from the value loadConfig read. */
function watched(initial: string) {
  const volume = secretVolume(tmp, initial);
  const events: SecretFileEvent[] = [];
  const secret = watchSecretFile({ variable: 'SMTP_PASS', file: volume.file, initial, onEvent: (e) => events.push(e) });
  return { ...volume, secret, events };
}

describe('readSecretFile', () => {
  it('drops the one line break an editor leaves at the end, and nothing else', () => {
    const file = join(tmp, 'plain');
    writeFileSync(file, ' s3cret \n\n');
    expect(readSecretFile(file)).toBe(' s3cret \n');
  });
});

describe('watchSecretFile', () => {
  it('when nothing changed › returns the value loadConfig validated', () => {
    const { secret, events } = watched('first-pass');
    expect(secret.read()).toBe('first-pass');
    expect(events).toEqual([]);
  });

  it('when the kubelet swaps the ..data symlink › the next read returns the new value, reported once without it', () => {
    const { file, rotate, secret, events } = watched('first-pass');
    rotate('second-pass\n');
    expect([secret.read(), secret.read()]).toEqual(['second-pass', 'second-pass']);
    expect(events).toEqual([{ kind: 'changed', variable: 'SMTP_PASS', file }]);
  });

  it('when the file is rewritten in place › picks that up too', () => {
    const file = join(tmp, 'in-place');
    writeFileSync(file, 'one');
    const secret = watchSecretFile({ variable: 'SMTP_PASS', file, initial: 'one' });
    writeFileSync(file, 'two-longer');
    expect(secret.read()).toBe('two-longer');
  });

  it('when the file becomes empty or disappears › keeps the last good value and reports each problem once', () => {
    const { file, rotate, secret, events } = watched('first-pass');
    rotate('');
    expect([secret.read(), secret.read()]).toEqual(['first-pass', 'first-pass']);
    rmSync(join(file, '..', '..data'));
    expect(secret.read()).toBe('first-pass');
    rotate('third-pass');
    expect(secret.read()).toBe('third-pass');
    expect(events.map((e) => (e.kind === 'unusable' ? e.problem : e.kind))).toEqual([
      'it is empty; keeping the previous value',
      'cannot read it (ENOENT); keeping the previous value',
      'changed',
    ]);
  });

  it('logs a change and a problem naming the _FILE variable and the path, never the value', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    const { file, rotate } = secretVolume(tmp, 'first-pass');
    const secret = watchSecretFile({ variable: 'SMTP_PASS', file, initial: 'first-pass', onEvent: (e) => logSecretFileEvent(logger, e) });
    rotate('rotated-pass');
    secret.read();
    rotate('');
    secret.read();
    expect(lines.map((l) => JSON.parse(l) as object)).toEqual([
      expect.objectContaining({ level: 'info', variable: 'SMTP_PASS_FILE', file }),
      expect.objectContaining({ level: 'warn', variable: 'SMTP_PASS_FILE', file }),
    ]);
    expect(lines.join('')).not.toMatch(/first-pass|rotated-pass/);
  });
});
