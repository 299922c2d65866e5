import { afterEach } from 'vitest';

/** Things a test started (servers, clients), stopped after each test, the last started first. */
export function useCleanup(): { push(stop: () => unknown): void } {
  const stops: Array<() => unknown> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  return { push: (stop) => void stops.push(stop) };
}
