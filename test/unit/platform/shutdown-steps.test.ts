import { describe, expect, it, vi } from 'vitest';

import { createLogger } from '../../../src/platform/logger.js';
import { runShutdownSteps } from '../../../src/platform/shutdown-steps.js';

describe('shutdown steps', () => {
  it('run in order, and a failing step neither stops the rest nor escapes; it is logged by name', async () => {
    const ran: string[] = [];
    const lines: string[] = [];
    const logger = createLogger({ level: 'error', destination: { write: (line: string) => void lines.push(line) } });
    await runShutdownSteps(
      [
        ['first', () => void ran.push('first')],
        [
          'broken',
          async () => {
            ran.push('broken');
            throw new Error('producer already gone');
          },
        ],
        ['last', async () => void ran.push('last')],
      ],
      logger,
    );
    expect(ran).toEqual(['first', 'broken', 'last']);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ step: 'broken', msg: 'shutdown step failed' });
  });

  it('a step that does not finish within its bound › is left behind and the rest still run', async () => {
    vi.useFakeTimers();
    try {
      const ran: string[] = [];
      const done = runShutdownSteps(
        [
          ['leave group (broker down)', () => new Promise(() => {}), () => 4_000],
          ['close HTTP', () => void ran.push('close HTTP')],
        ],
        createLogger({ level: 'silent' }),
      );
      await vi.advanceTimersByTimeAsync(3_999);
      expect(ran).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      await done;
      expect(ran).toEqual(['close HTTP']);
    } finally {
      vi.useRealTimers();
    }
  });
});
