import { describe, expect, it } from 'vitest';

import { untilAborted } from '../../../src/platform/abortable-wait.js';

describe('untilAborted', () => {
  it('when the work ends first › its value, and the listener is gone', async () => {
    const controller = new AbortController();
    await expect(untilAborted(Promise.resolve(7), controller.signal)).resolves.toBe(7);
    controller.abort(new Error('late'));
  });

  it('when the signal aborts first › the signal’s reason, though the work goes on', async () => {
    const controller = new AbortController();
    let finish!: (value: number) => void;
    const work = new Promise<number>((resolve) => (finish = resolve));
    const waiting = untilAborted(work, controller.signal);
    controller.abort(new Error('stopping'));
    await expect(waiting).rejects.toThrow('stopping');
    finish(1);
    await expect(work).resolves.toBe(1);
  });

  it('when the signal has already aborted › rejects at once with what onAbort makes of the reason', async () => {
    const waiting = untilAborted(new Promise(() => {}), AbortSignal.abort('gone'), (reason) =>
      Object.assign(new Error('Sending aborted'), { code: 'EABORT', cause: reason }),
    );
    await expect(waiting).rejects.toMatchObject({ code: 'EABORT', cause: 'gone' });
  });

  it('when the work fails › its error', async () => {
    await expect(untilAborted(Promise.reject(new Error('refused')), new AbortController().signal)).rejects.toThrow('refused');
  });

  it('without a signal › the work itself', async () => {
    const work = Promise.resolve('x');
    expect(untilAborted(work, undefined)).toBe(work);
  });
});
