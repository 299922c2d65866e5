/** A signal that follows others, and lets go of them. */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Removes the listeners on the sources; call it when the operation ends. Idempotent. */
  dispose(): void;
}

/**
 * A signal that aborts, with its reason, as soon as any of `sources` does: `AbortSignal.any` without
 * its retention. `AbortSignal.any` registers each combined signal on every source for as long as the
 * source lives, so one call per event on a long-lived signal (a service's closing signal) piles up
 * (nodejs/node#55351 on Node 20, #64476 on Node 24). This one leaves nothing behind once disposed.
 */
export function linkedSignal(sources: ReadonlyArray<AbortSignal | undefined>): LinkedSignal {
  const linked = new AbortController();
  const listening: Array<[AbortSignal, () => void]> = [];
  const dispose = () => {
    for (const [source, onAbort] of listening.splice(0)) source.removeEventListener('abort', onAbort);
  };
  for (const source of sources) {
    if (!source) continue;
    if (source.aborted) {
      linked.abort(source.reason);
      break;
    }
    const onAbort = () => {
      linked.abort(source.reason);
      dispose();
    };
    source.addEventListener('abort', onAbort, { once: true });
    listening.push([source, onAbort]);
  }
  if (linked.signal.aborted) dispose();
  return { signal: linked.signal, dispose };
}
