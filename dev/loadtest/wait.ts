import { sleep } from '../../src/platform/sleep.js';

/** Polls `done` every `everyMs` until it is true (true) or `deadline` passes (false). */
export async function waitUntil(
  done: () => Promise<boolean>,
  { deadline, everyMs, signal }: { deadline: number; everyMs: number; signal?: AbortSignal },
): Promise<boolean> {
  for (;;) {
    signal?.throwIfAborted();
    // A broker that is busy or electing answers with retriable errors: keep polling.
    if (await done().catch(() => false)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs, signal);
  }
}

/**
 * Waits until a spawned service answers 200 on /readyz (joined its group, SMTP verified), so the
 * first produced event finds it consuming; fails if it exits first or stays unready.
 */
export async function waitForReady({
  url,
  exited,
  timeoutMs,
  signal,
}: {
  url: string;
  exited: Promise<number>;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<void> {
  let exitCode: number | undefined;
  void exited.then((code) => (exitCode = code));
  const ready = async (): Promise<boolean> => {
    if (exitCode !== undefined) throw new Error(`the service exited with code ${exitCode} before it was ready`);
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
    return res?.status === 200;
  };
  for (const deadline = Date.now() + timeoutMs; ;) {
    signal?.throwIfAborted();
    if (await ready()) return;
    if (Date.now() >= deadline) throw new Error(`the service was not ready within ${timeoutMs / 1000} s (${url})`);
    await sleep(200, signal);
  }
}
