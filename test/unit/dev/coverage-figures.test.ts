import { describe, expect, it } from 'vitest';

import { coverageByFolder } from '../../../dev/coverage-figures.js';

const lines = (covered: number, total: number) => ({ lines: { covered, total } });

describe('coverageByFolder', () => {
  it('adds up the lines of src/ and cmd/ files, and nothing else', () => {
    const summary = {
      total: lines(999, 999),
      '/repo/src/app.ts': lines(90, 100),
      '/repo/src/delivery/dispatcher.ts': lines(10, 20),
      '/repo/cmd/service.ts': lines(0, 30),
      '/repo/dev/smtp-sink.ts': lines(5, 5),
    };
    expect(coverageByFolder(summary, '/repo')).toEqual({ src: { covered: 100, total: 120 }, cmd: { covered: 0, total: 30 } });
  });
});
