/**
 * Calls `fn` until it succeeds or `timeoutMs` passes. A broker that just started answers "not the
 * leader", "coordinator loading" and the like for a while; the chaos run's own reads and admin calls
 * wait that out instead of failing the run.
 */
export async function retrying<T>(
  what: string,
  fn: () => Promise<T>,
  { timeoutMs = 60_000, everyMs = 500 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() + everyMs > deadline) throw new Error(`${what} failed after ${attempt} attempt(s): ${(err as Error).message}`, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }
}
