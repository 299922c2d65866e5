import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildDispatcher, record, scriptedMailer, signupValue } from '../../support/pipeline.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Dispatcher: what a worker is not held for', () => {
  it('while an outcome waits for its receipt to be acknowledged › the only worker sends the next message', async () => {
    const mailer = scriptedMailer();
    let acknowledge: () => void = () => {};
    const { submit, outcomes } = buildDispatcher({
      mailer,
      workerCount: 1,
      settle: (r) => (r.eventId === 'slow-receipt' ? new Promise<void>((resolve) => (acknowledge = resolve)) : Promise.resolve()),
    });
    submit(record(signupValue('slow-receipt')));
    submit(record(signupValue('next')));
    await vi.advanceTimersByTimeAsync(10);
    expect(mailer.attempts.map((a) => a.messageId)).toEqual(['<slow-receipt@acme.test>', '<next@acme.test>']);
    expect(outcomes.map((o) => o.record.eventId)).toEqual(['next']);
    acknowledge();
    await vi.advanceTimersByTimeAsync(0);
    expect(outcomes.map((o) => o.record.eventId)).toEqual(['next', 'slow-receipt']);
  });

  it('when a record arrives after close › it is neither sent nor settled, and its buffer slot is free', async () => {
    const mailer = scriptedMailer();
    const { submit, outcomes, dispatcher, capacity } = buildDispatcher({ mailer });
    dispatcher.close();
    submit(record(signupValue('late')));
    submit(record(Buffer.from('not json')));
    await vi.advanceTimersByTimeAsync(100);
    expect(mailer.attempts).toEqual([]);
    expect(outcomes).toEqual([]);
    expect(capacity.held).toBe(0);
  });
});
