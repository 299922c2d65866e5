/**
 * Runs `work` with a signal that aborts after `budgetMs`; resolves when the work ends or the budget
 * is spent, whichever comes first (`onExpired` runs then; the work is not awaited further).
 */
export function withinBudget(work: (signal: AbortSignal) => Promise<void>, budgetMs: number, onExpired: () => void): Promise<void> {
  const budget = new AbortController();
  const timer = setTimeout(() => budget.abort(new Error('budget spent')), budgetMs);
  timer.unref?.();
  const expired = new Promise<void>((resolve) =>
    budget.signal.addEventListener(
      'abort',
      () => {
        onExpired();
        resolve();
      },
      { once: true },
    ),
  );
  return Promise.race([work(budget.signal), expired]).finally(() => clearTimeout(timer));
}
