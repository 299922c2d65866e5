import { describe, expect, it } from 'vitest';

import { decideOnFailure } from '../../../src/delivery/failure-decision.js';
import type { SmtpFailure } from '../../../src/smtp/errors.js';

const policy = { maxRetries: 3, delaysMs: [1_000, 5_000, 10_000] };
const failure = (kind: SmtpFailure['kind'], serverWide = false): SmtpFailure => ({ kind, serverWide, code: undefined, responseCode: undefined, message: 'x' });

describe('decideOnFailure', () => {
  it.each([
    // failure                          attempts before  server down  → decision
    [failure('fatal'), 0, false, { kind: 'stop' }],
    [failure('fatal', true), 2, true, { kind: 'stop' }],
    [failure('permanent'), 0, false, { kind: 'dead-letter', reason: 'smtp_permanent', attempts: 1 }],
    [failure('permanent'), 2, false, { kind: 'dead-letter', reason: 'smtp_permanent', attempts: 3 }],
    [failure('transient'), 0, false, { kind: 'retry', attempts: 1, delayMs: 1_000 }],
    [failure('transient'), 1, false, { kind: 'retry', attempts: 2, delayMs: 5_000 }],
    [failure('transient'), 2, false, { kind: 'retry', attempts: 3, delayMs: 10_000 }],
    [failure('transient'), 3, false, { kind: 'dead-letter', reason: 'retries_exhausted', attempts: 4 }],
    [failure('transient', true), 1, true, { kind: 'hold' }],
    [failure('transient', true), 3, true, { kind: 'hold' }],
    // One recipient's 4xx never holds, even while the server is counted down.
    [failure('transient', false), 0, true, { kind: 'retry', attempts: 1, delayMs: 1_000 }],
    [failure('transient', true), 0, false, { kind: 'retry', attempts: 1, delayMs: 1_000 }],
  ] as const)('%o after %i attempt(s), server down %s → %o', (f, attemptsBefore, serverDown, expected) => {
    expect(decideOnFailure({ failure: f, attemptsBefore, policy, serverDown })).toEqual(expected);
  });

  it('a shorter delay list repeats its last delay', () => {
    expect(decideOnFailure({ failure: failure('transient'), attemptsBefore: 4, policy: { maxRetries: 6, delaysMs: [200] }, serverDown: false })).toEqual({
      kind: 'retry',
      attempts: 5,
      delayMs: 200,
    });
  });
});
