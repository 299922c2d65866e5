import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { withinBudget } from '../../../src/platform/within-budget.js';

describe('withinBudget', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('resolves when the work ends first, and never calls onExpired', async () => {
    const onExpired = vi.fn();
    let finish = () => {};
    const done = withinBudget(() => new Promise<void>((resolve) => (finish = resolve)), 1_000, onExpired);
    await vi.advanceTimersByTimeAsync(500);
    finish();
    await done;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(onExpired).not.toHaveBeenCalled();
  });

  it('resolves once the budget is spent, calls onExpired and aborts the work signal', async () => {
    const onExpired = vi.fn();
    let seen: AbortSignal | undefined;
    let settled = false;
    const done = withinBudget((signal) => ((seen = signal), new Promise<void>(() => {})), 1_000, onExpired).then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(onExpired).toHaveBeenCalledTimes(1);
    expect(seen?.aborted).toBe(true);
  });
});
