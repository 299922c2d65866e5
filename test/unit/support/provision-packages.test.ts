import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { listedPackages } from '../../support/provision-packages.js';

describe('listedPackages', () => {
  it('reads one package a line, comments and blank lines ignored', () => {
    expect(listedPackages('redis-server\n\n# promtool comes with it\nprometheus  # the server too\n')).toEqual(['redis-server', 'prometheus']);
  });

  it('lists what the skippable tests need: redis-server and promtool (prometheus)', () => {
    expect(listedPackages(readFileSync(new URL('../../../deploy/ci-packages.txt', import.meta.url), 'utf8'))).toEqual(
      expect.arrayContaining(['redis-server', 'prometheus']),
    );
  });
});
