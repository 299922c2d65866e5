import { describe, expect, it, vi } from 'vitest';

import { Capacity } from '../../../src/pipeline/capacity.js';

/** Lets every already-settled promise run its reactions. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Tracks whether a promise has settled, without awaiting it. */
function track(promise: Promise<unknown>) {
  const state = { settled: false, rejected: false, reason: undefined as unknown };
  promise.then(
    () => (state.settled = true),
    (reason: unknown) => Object.assign(state, { settled: true, rejected: true, reason }),
  );
  return state;
}

describe('Capacity', () => {
  it.each([0, -1, 1.5, Number.NaN])('when the limit is %s › throws', (limit) => {
    expect(() => new Capacity(limit)).toThrow(/Expected limit to be an integer >= 1/);
  });

  describe('below the limit', () => {
    it('acquire resolves at once and counts the slot', async () => {
      const capacity = new Capacity(2);
      await capacity.acquire();
      await capacity.acquire();
      expect(capacity.held).toBe(2);
      expect(capacity.waiting).toBe(0);
    });

    it('tryAcquire takes a slot and says so', () => {
      const capacity = new Capacity(1);
      expect(capacity.tryAcquire()).toBe(true);
      expect(capacity.tryAcquire()).toBe(false);
      expect(capacity.held).toBe(1);
    });
  });

  describe('at the limit', () => {
    it('acquire waits until a slot is released', async () => {
      const capacity = new Capacity(1);
      await capacity.acquire();
      const second = track(capacity.acquire());
      await flush();
      expect(second.settled).toBe(false);
      expect(capacity.waiting).toBe(1);

      capacity.release();
      await flush();
      expect(second.settled).toBe(true);
      expect(capacity.held).toBe(1);
      expect(capacity.waiting).toBe(0);
    });

    it('hands released slots to waiters in the order they asked (FIFO)', async () => {
      const capacity = new Capacity(1);
      await capacity.acquire();
      const order: string[] = [];
      const waits = ['a', 'b', 'c'].map((name) => capacity.acquire().then(() => order.push(name)));
      capacity.release();
      await flush();
      expect(order).toEqual(['a']);
      capacity.release();
      capacity.release();
      await Promise.all(waits);
      expect(order).toEqual(['a', 'b', 'c']);
      expect(capacity.held).toBe(1);
    });

    it('tryAcquire does not jump the queue when a slot frees up', async () => {
      const capacity = new Capacity(1);
      await capacity.acquire();
      const waiter = track(capacity.acquire());
      capacity.release();
      expect(capacity.tryAcquire()).toBe(false);
      await flush();
      expect(waiter.settled).toBe(true);
    });

    it('tryAcquire does not take a free slot while someone is waiting', async () => {
      const capacity = new Capacity(2);
      await capacity.acquire();
      await capacity.acquire();
      void capacity.acquire();
      capacity.release(); // handed to the waiter, so still full
      expect(capacity.tryAcquire()).toBe(false);
      expect(capacity.held).toBe(2);
    });
  });

  describe('when a waiter is aborted', () => {
    it('rejects with the signal reason, leaves the queue and takes no slot', async () => {
      const capacity = new Capacity(1);
      await capacity.acquire();
      const controller = new AbortController();
      const aborted = track(capacity.acquire(controller.signal));
      const next = track(capacity.acquire());
      const reason = new Error('shutting down');
      controller.abort(reason);
      await flush();
      expect(aborted).toMatchObject({ settled: true, rejected: true, reason });
      expect(capacity.waiting).toBe(1);

      capacity.release();
      await flush();
      expect(next.settled).toBe(true);
      expect(capacity.held).toBe(1);
      capacity.release();
      expect(capacity.held).toBe(0);
    });

    it('when the signal is already aborted › rejects at once, even with a free slot', async () => {
      const capacity = new Capacity(1);
      const controller = new AbortController();
      controller.abort(new Error('gone'));
      await expect(capacity.acquire(controller.signal)).rejects.toThrow('gone');
      expect(capacity.held).toBe(0);
    });

    it('an abort after the slot was handed over changes nothing', async () => {
      const capacity = new Capacity(1);
      await capacity.acquire();
      const controller = new AbortController();
      const waiter = capacity.acquire(controller.signal);
      capacity.release();
      await waiter;
      controller.abort();
      expect(capacity.held).toBe(1);
      capacity.release();
      expect(capacity.held).toBe(0);
    });
  });

  describe('release', () => {
    it('without a held slot › throws', () => {
      expect(() => new Capacity(1).release()).toThrow('Capacity.release() without a held slot');
    });

    it('once more than acquired › throws', async () => {
      const capacity = new Capacity(3);
      await capacity.acquire();
      capacity.release();
      expect(() => capacity.release()).toThrow(/without a held slot/);
      expect(capacity.held).toBe(0);
    });
  });

  describe('whenEmpty', () => {
    it('when nothing is held › resolves at once', async () => {
      await expect(new Capacity(1).whenEmpty()).resolves.toBeUndefined();
    });

    it('resolves only when the last slot is released, not when a slot is handed over', async () => {
      const capacity = new Capacity(1);
      await capacity.acquire();
      const waiter = capacity.acquire();
      const empty = track(capacity.whenEmpty());
      capacity.release(); // handed to the waiter
      await waiter;
      await flush();
      expect(empty.settled).toBe(false);
      capacity.release();
      await flush();
      expect(empty).toMatchObject({ settled: true, rejected: false });
    });

    it('when aborted › rejects with the signal reason', async () => {
      const capacity = new Capacity(1);
      await capacity.acquire();
      const controller = new AbortController();
      const empty = track(capacity.whenEmpty(controller.signal));
      controller.abort(new Error('timeout'));
      await flush();
      expect(empty).toMatchObject({ settled: true, rejected: true });
      expect((empty.reason as Error).message).toBe('timeout');
      capacity.release();
      expect(capacity.held).toBe(0);
    });
  });

  it('reports every change of held to onChange, but not a hand-over', async () => {
    const onChange = vi.fn();
    const capacity = new Capacity(1, { onChange });
    await capacity.acquire();
    const waiter = capacity.acquire();
    capacity.release();
    await waiter;
    capacity.release();
    expect(onChange.mock.calls).toEqual([[1], [0]]);
  });
});
