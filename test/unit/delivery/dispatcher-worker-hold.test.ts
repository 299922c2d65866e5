import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { SendRate } from '../../../src/delivery/rate/send-rate.js';
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

describe('Dispatcher with a cluster send rate: tokens are taken before a worker', () => {
  /** A send rate whose takes are answered by the test; records when each was asked. */
  function scriptedRate() {
    const pending: Array<{ grant: () => void; signal: AbortSignal }> = [];
    const asked: number[] = [];
    const rate: SendRate = {
      take: (signal) =>
        new Promise<void>((resolve, reject) => {
          asked.push(Date.now());
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
          pending.push({ grant: resolve, signal });
        }),
    };
    return { rate, pending, asked };
  }

  it('while one send waits for its token (Redis slow) › the only worker sends a message whose token came at once', async () => {
    const mailer = scriptedMailer();
    const { rate, pending } = scriptedRate();
    const { submit, outcomes } = buildDispatcher({ mailer, workerCount: 1, sendRate: rate });
    submit(record(signupValue('slow-token')));
    submit(record(signupValue('quick-token')));
    await vi.advanceTimersByTimeAsync(0);
    pending[1]?.grant();
    await vi.advanceTimersByTimeAsync(10);
    expect(mailer.attempts.map((a) => a.messageId)).toEqual(['<quick-token@acme.test>']);
    pending[0]?.grant();
    await vi.advanceTimersByTimeAsync(10);
    expect(outcomes.map((o) => o.record.eventId)).toEqual(['quick-token', 'slow-token']);
  });

  it('with every worker busy › asks for at most twice as many tokens as there are workers, and no more until a worker is free', async () => {
    const mailer = scriptedMailer(() => new Promise((resolve) => setTimeout(resolve, 5_000)));
    const { rate, pending, asked } = scriptedRate();
    const { submit, outcomes } = buildDispatcher({ mailer, workerCount: 2, sendRate: rate });
    for (let i = 0; i < 10; i += 1) submit(record(signupValue(`busy-${i}`)));
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toHaveLength(4);
    for (const p of pending.splice(0)) p.grant();
    await vi.advanceTimersByTimeAsync(10);
    // Two workers took theirs up; two granted wait for a worker and two more are asked for: four out.
    expect(mailer.attempts).toHaveLength(2);
    expect(asked).toHaveLength(6);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(asked).toHaveLength(6);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(outcomes).toHaveLength(2);
    // The two granted 5 s ago are not used so late: they are asked for again before a send starts.
    expect(asked).toHaveLength(8);
    expect(mailer.attempts).toHaveLength(2);
  });

  it('while held for a rebalance › asks for no token; once the hold lifts, takes one and sends', async () => {
    const mailer = scriptedMailer();
    const { rate, pending, asked } = scriptedRate();
    const { submit, outcomes, dispatcher } = buildDispatcher({ mailer, workerCount: 2, sendRate: rate });
    dispatcher.hold('rebalance');
    submit(record(signupValue('held')));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(asked).toHaveLength(0);
    dispatcher.unhold('rebalance');
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toHaveLength(1);
    pending[0]?.grant();
    await vi.advanceTimersByTimeAsync(10);
    expect(outcomes.map((o) => o.record.eventId)).toEqual(['held']);
  });

  it('when a token was granted but a hold began before a worker took it up › it is not used seconds later: a fresh one is taken', async () => {
    const mailer = scriptedMailer(() => new Promise((resolve) => setTimeout(resolve, 3_000)));
    const { rate, pending, asked } = scriptedRate();
    const { submit, outcomes, dispatcher } = buildDispatcher({ mailer, workerCount: 1, sendRate: rate });
    submit(record(signupValue('first')));
    await vi.advanceTimersByTimeAsync(0);
    pending.shift()?.grant();
    submit(record(signupValue('second')));
    await vi.advanceTimersByTimeAsync(0);
    // The second's token comes while the only worker still sends the first; then a rebalance holds.
    pending.shift()?.grant();
    await vi.advanceTimersByTimeAsync(10);
    dispatcher.hold('rebalance');
    await vi.advanceTimersByTimeAsync(5_000);
    dispatcher.unhold('rebalance');
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toHaveLength(3);
    expect(mailer.attempts.map((a) => a.messageId)).toEqual(['<first@acme.test>']);
    pending.shift()?.grant();
    await vi.advanceTimersByTimeAsync(3_010);
    expect(outcomes.map((o) => o.record.eventId)).toEqual(['first', 'second']);
  });
});
