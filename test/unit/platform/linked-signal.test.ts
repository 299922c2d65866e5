import { getEventListeners, setMaxListeners } from 'node:events';

import { describe, expect, it } from 'vitest';

import { linkedSignal } from '../../../src/platform/linked-signal.js';

describe('linkedSignal', () => {
  it('when one source aborts › aborts with that source’s reason and lets go of the others', () => {
    const closing = new AbortController();
    const job = new AbortController();
    const linked = linkedSignal([closing.signal, job.signal]);
    expect(linked.signal.aborted).toBe(false);
    const reason = new Error('job abandoned');
    job.abort(reason);
    expect(linked.signal.aborted).toBe(true);
    expect(linked.signal.reason).toBe(reason);
    expect(getEventListeners(closing.signal, 'abort')).toHaveLength(0);
  });

  it('when a source is already aborted › starts aborted and listens to nothing', () => {
    const closing = new AbortController();
    const gone = AbortSignal.abort(new Error('gone'));
    const linked = linkedSignal([closing.signal, gone, undefined]);
    expect(linked.signal.reason).toBe(gone.reason);
    expect(getEventListeners(closing.signal, 'abort')).toHaveLength(0);
  });

  it('once disposed › leaves no listener on a long-lived source, and its abort no longer reaches the linked signal', () => {
    const closing = new AbortController();
    setMaxListeners(1_000, closing.signal);
    const links = Array.from({ length: 1_000 }, () => linkedSignal([closing.signal, new AbortController().signal]));
    expect(getEventListeners(closing.signal, 'abort')).toHaveLength(1_000);
    for (const link of links) link.dispose();
    expect(getEventListeners(closing.signal, 'abort')).toHaveLength(0);
    closing.abort();
    expect(links.some((link) => link.signal.aborted)).toBe(false);
  });
});
