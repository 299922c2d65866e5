import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { SentLedger } from '../../../src/ledger/sent-ledger.js';
import { buildDispatcher, record, scriptedMailer, signupValue, smtpError } from '../../support/pipeline.js';
import { stubPrepared } from '../../support/stub-prepared.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const gaps = (at: number[]) => at.slice(1).map((t, i) => t - (at[i] as number));

describe('Dispatcher', () => {
  it('when SMTP answers 451 twice › sends on the third attempt, 1 s then 5 s apart', async () => {
    const mailer = scriptedMailer((_mail, attempt) => {
      if (attempt <= 2) throw smtpError(451);
    });
    const { submit, outcomes, capacity } = buildDispatcher({ mailer });
    submit(record(signupValue('e-451')));
    await vi.advanceTimersByTimeAsync(999);
    expect(mailer.attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(mailer.attempts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(mailer.attempts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(mailer.attempts).toHaveLength(3);
    expect(gaps(mailer.attempts.map((a) => a.at))).toEqual([1000, 5000]);
    expect(outcomes.map((o) => o.outcome)).toMatchObject([{ kind: 'sent', attempts: 3, messageId: expect.stringMatching(/^<.+@acme\.test>$/) }]);
    expect(capacity.held).toBe(0);
  });

  it('when SMTP answers 550 › dead-letters at once as smtp_permanent', async () => {
    const mailer = scriptedMailer(() => {
      throw smtpError(550);
    });
    const { submit, outcomes } = buildDispatcher({ mailer });
    submit(record(signupValue('e-550')));
    await vi.advanceTimersByTimeAsync(0);
    expect(mailer.attempts).toHaveLength(1);
    expect(outcomes[0]?.outcome).toMatchObject({ kind: 'dead-letter', reason: 'smtp_permanent', smtpCode: 550, attempts: 1 });
  });

  it('when every attempt fails transiently › retries after 1 s, 5 s, 10 s, then dead-letters as retries_exhausted', async () => {
    const mailer = scriptedMailer(() => {
      throw smtpError(452);
    });
    const { submit, outcomes } = buildDispatcher({ mailer });
    submit(record(signupValue('e-452')));
    await vi.advanceTimersByTimeAsync(20_000);
    expect(gaps(mailer.attempts.map((a) => a.at))).toEqual([1000, 5000, 10000]);
    expect(outcomes[0]?.outcome).toMatchObject({ kind: 'dead-letter', reason: 'retries_exhausted', smtpCode: 452, attempts: 4 });
  });

  it('when the delay list is shorter than the retries › repeats its last delay', async () => {
    const mailer = scriptedMailer(() => {
      throw smtpError(451);
    });
    const { submit } = buildDispatcher({ mailer, maxRetries: 4, delaysMs: [200, 700] });
    submit(record(signupValue('e-short')));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(gaps(mailer.attempts.map((a) => a.at))).toEqual([200, 700, 700, 700]);
  });

  it('when the event is invalid › dead-letters it as invalid_event without an SMTP attempt', async () => {
    const mailer = scriptedMailer();
    const { submit, outcomes } = buildDispatcher({ mailer });
    submit(record(Buffer.from('{"not":"an event"}')));
    submit(record(null));
    await vi.advanceTimersByTimeAsync(0);
    expect(mailer.attempts).toHaveLength(0);
    expect(outcomes.map((o) => o.outcome)).toMatchObject([
      { kind: 'dead-letter', reason: 'invalid_event', attempts: 0 },
      { kind: 'dead-letter', reason: 'invalid_event', error: 'empty value' },
    ]);
  });

  it('while a message waits for its retry › the worker sends other messages', async () => {
    const mailer = scriptedMailer((mail, attempt) => {
      if (mail.messageId.startsWith('<slow') && attempt === 1) throw smtpError(451);
    });
    const { submit, outcomes, dispatcher } = buildDispatcher({ mailer, workerCount: 1 });
    submit(record(signupValue('slow')));
    for (let i = 0; i < 5; i += 1) submit(record(signupValue(`fast-${i}`)));
    await vi.advanceTimersByTimeAsync(10);
    expect(outcomes.filter((o) => o.outcome.kind === 'sent')).toHaveLength(5);
    expect(dispatcher.counts.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(outcomes.filter((o) => o.outcome.kind === 'sent')).toHaveLength(6);
  });

  it('never has more than workerCount sends in flight', async () => {
    const mailer = scriptedMailer(() => new Promise((resolve) => setTimeout(resolve, 100)));
    const { submit, outcomes } = buildDispatcher({ mailer, workerCount: 10 });
    for (let i = 0; i < 50; i += 1) submit(record(signupValue(`c-${i}`)));
    await vi.advanceTimersByTimeAsync(100);
    expect(outcomes).toHaveLength(10);
    await vi.advanceTimersByTimeAsync(400);
    expect(outcomes).toHaveLength(50);
    expect(mailer.maxInFlight()).toBe(10);
  });

  it('when SMTP rejects our credentials › reports fatal, dead-letters nothing, settles nothing', async () => {
    const mailer = scriptedMailer(() => {
      throw Object.assign(new Error('Invalid login: 535 Authentication failed'), { code: 'EAUTH', responseCode: 535 });
    });
    const { submit, outcomes, fatal, capacity } = buildDispatcher({ mailer, workerCount: 1 });
    submit(record(signupValue('a-1')));
    submit(record(signupValue('a-2')));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fatal).toHaveLength(1);
    expect(outcomes).toEqual([]);
    expect(mailer.attempts).toHaveLength(1);
    expect(capacity.held).toBe(1); // the second one is never started; shutdown abandons it
  });

  it('when the SMTP server is down for a while › holds messages without spending attempts and sends them after a probe succeeds', async () => {
    let down = true;
    const mailer = scriptedMailer(() => {
      if (down) throw smtpError(undefined, 'ECONNECTION');
    });
    const probe = vi.fn(async () => {
      if (down) throw new Error('still down');
    });
    const { submit, outcomes, breaker } = buildDispatcher({ mailer, workerCount: 2, breakerThreshold: 2, probe });
    for (let i = 0; i < 4; i += 1) submit(record(signupValue(`o-${i}`)));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(breaker.state).toBe('open');
    expect(outcomes).toEqual([]);
    const attemptsDuringOutage = mailer.attempts.length;
    expect(attemptsDuringOutage).toBeLessThanOrEqual(3);
    expect(probe.mock.calls.length).toBeGreaterThan(10);
    down = false;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(breaker.state).toBe('closed');
    expect(outcomes.map((o) => o.outcome.kind)).toEqual(['sent', 'sent', 'sent', 'sent']);
  });

  it('when a partition is revoked › its waiting retries are dropped, unsettled, and never re-sent', async () => {
    const mailer = scriptedMailer(() => {
      throw smtpError(451);
    });
    const { submit, outcomes, dispatcher, capacity } = buildDispatcher({ mailer });
    submit(record(signupValue('r-0'), { partition: 0 }));
    submit(record(signupValue('r-1'), { partition: 1 }));
    await vi.advanceTimersByTimeAsync(10);
    expect(dispatcher.abandonPartitions([{ topic: 'signups', partition: 0 }])).toBe(1);
    expect(capacity.held).toBe(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(mailer.attempts.filter((a) => a.messageId.startsWith('<r-0'))).toHaveLength(1);
    expect(outcomes.map((o) => o.record.partition)).toEqual([1]);
  });

  it('when a partition is revoked mid-send › its buffer slot stays held until the SMTP exchange ends, and the send is not settled', async () => {
    let finish: () => void = () => {};
    const mailer = scriptedMailer(() => new Promise<void>((resolve) => (finish = resolve)));
    const { submit, outcomes, dispatcher, capacity } = buildDispatcher({ mailer });
    submit(record(signupValue('m-0'), { partition: 0 }));
    await vi.advanceTimersByTimeAsync(10);
    expect(mailer.attempts).toHaveLength(1);
    expect(dispatcher.abandonPartitions([{ topic: 'signups', partition: 0 }])).toBe(1);
    expect(capacity.held).toBe(1);
    finish();
    await vi.advanceTimersByTimeAsync(10);
    expect(capacity.held).toBe(0);
    expect(outcomes).toEqual([]);
  });

  it('when a partition is revoked while its DLQ publish is in progress › the publish is aborted and nothing is settled', async () => {
    const aborted: unknown[] = [];
    const mailer = scriptedMailer(() => {
      throw smtpError(550);
    });
    const { submit, outcomes, dispatcher, capacity } = buildDispatcher({
      mailer,
      settle: (_r, _o, signal) =>
        new Promise<void>((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted.push(signal.reason);
            reject(signal.reason);
          });
        }),
    });
    submit(record(signupValue('p-0'), { partition: 0 }));
    await vi.advanceTimersByTimeAsync(10);
    dispatcher.abandonPartitions([{ topic: 'signups', partition: 0 }]);
    await vi.advanceTimersByTimeAsync(10);
    expect(aborted).toHaveLength(1);
    expect(outcomes).toEqual([]);
    expect(capacity.held).toBe(0);
  });

  it('while held for a rebalance › starts no new send, and sends what it held once the hold is lifted', async () => {
    const mailer = scriptedMailer();
    const { submit, outcomes, dispatcher } = buildDispatcher({ mailer });
    dispatcher.hold('rebalance');
    for (let i = 0; i < 3; i += 1) submit(record(signupValue(`h-${i}`)));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(mailer.attempts).toHaveLength(0);
    dispatcher.unhold('rebalance');
    await vi.advanceTimersByTimeAsync(10);
    expect(mailer.attempts).toHaveLength(3);
    expect(outcomes.map((o) => o.outcome.kind)).toEqual(['sent', 'sent', 'sent']);
  });

  it('when a rebalance begins while a ledger claim is pending › the claim is released and the send waits for the hold to lift', async () => {
    let answer: (v: 'claimed') => void = () => {};
    const released: string[] = [];
    const ledger: SentLedger = {
      claim: () => new Promise((resolve) => (answer = resolve)),
      release: async (id) => void released.push(id),
      markSent: async () => {},
      close: async () => {},
    };
    const mailer = scriptedMailer();
    const { submit, dispatcher } = buildDispatcher({ mailer, ledger });
    submit(record(signupValue('c-0')));
    await vi.advanceTimersByTimeAsync(10);
    dispatcher.hold('rebalance');
    answer('claimed');
    await vi.advanceTimersByTimeAsync(10);
    expect(mailer.attempts).toHaveLength(0);
    expect(released).toEqual(['c-0']);
  });

  it('when membership is lost › abandons every job, including its retries', async () => {
    const mailer = scriptedMailer(() => {
      throw smtpError(451);
    });
    const { submit, outcomes, dispatcher, capacity } = buildDispatcher({ mailer });
    submit(record(signupValue('l-0'), { partition: 0 }));
    submit(record(signupValue('l-1'), { partition: 3 }));
    await vi.advanceTimersByTimeAsync(10);
    expect(dispatcher.abandonAll()).toBe(2);
    expect(capacity.held).toBe(0);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(mailer.attempts).toHaveLength(2);
    expect(outcomes).toEqual([]);
  });

  it('when only the display name could disguise (a bidi override) › sends without it and counts the dropped name', async () => {
    const mailer = scriptedMailer();
    const { submit, outcomes, metrics } = buildDispatcher({ mailer });
    submit(record(signupValue('n-0', { user: { id: 'u', email: 'n-0@example.test', name: 'Ada \u202Egnp.exe' } })));
    await vi.advanceTimersByTimeAsync(10);
    expect(outcomes.map((o) => o.outcome.kind)).toEqual(['sent']);
    expect((await metrics.namesDropped.get()).values).toEqual([expect.objectContaining({ labels: { reason: 'bidi_control' }, value: 1 })]);
  });

  it('when closed › cancels pending retries and settles nothing more', async () => {
    const mailer = scriptedMailer(() => {
      throw smtpError(451);
    });
    const { submit, outcomes, dispatcher, capacity } = buildDispatcher({ mailer });
    submit(record(signupValue('x-1')));
    await vi.advanceTimersByTimeAsync(10);
    dispatcher.close();
    dispatcher.close();
    expect(capacity.held).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(mailer.attempts).toHaveLength(1);
    expect(outcomes).toEqual([]);
  });

  it('when the sent ledger already has the event › skips the send and settles it as a duplicate', async () => {
    const mailer = scriptedMailer();
    const ledger: SentLedger = { claim: async () => 'already-sent', markSent: vi.fn(), release: vi.fn(), close: async () => {} };
    const { submit, outcomes, metrics } = buildDispatcher({ mailer, ledger });
    submit(record(signupValue('d-1')));
    await vi.advanceTimersByTimeAsync(0);
    expect(mailer.attempts).toHaveLength(0);
    expect(outcomes[0]?.outcome).toMatchObject({ kind: 'duplicate', messageId: expect.stringMatching(/@acme\.test>$/) });
    expect((await metrics.duplicatesSkipped.get()).values[0]?.value).toBe(1);
  });

  it('when a send fails › releases the ledger claim so the retry can claim again, and records it once sent', async () => {
    const mailer = scriptedMailer((_m, attempt) => {
      if (attempt === 1) throw smtpError(451);
    });
    const ledger = { claim: vi.fn(async () => 'claimed' as const), markSent: vi.fn(async () => {}), release: vi.fn(async () => {}), close: async () => {} };
    const { submit } = buildDispatcher({ mailer, ledger });
    submit(record(signupValue('l-1')));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ledger.claim).toHaveBeenCalledTimes(2);
    expect(ledger.release).toHaveBeenCalledTimes(1);
    expect(ledger.markSent).toHaveBeenCalledWith('l-1', { messageId: '<l-1@acme.test>', relay: undefined });
  });

  describe('composing ahead of the workers', () => {
    it('composes every admitted message while the only worker is busy, in admission order, and sends what was composed', async () => {
      let release: (() => void) | undefined;
      const mailer = scriptedMailer(() => (release ? undefined : new Promise<void>((r) => (release = r))));
      const composed: string[] = [];
      const sentBytes: string[] = [];
      mailer.prepare = async (mail) => {
        composed.push(mail.messageId);
        return stubPrepared(mail, Buffer.from(`bytes of ${mail.messageId}`));
      };
      const send = mailer.send.bind(mailer);
      mailer.send = async (prepared) => {
        sentBytes.push(prepared.raw.toString());
        await send(prepared);
      };
      const { submit, outcomes } = buildDispatcher({ mailer, workerCount: 1 });
      for (const id of ['c-1', 'c-2', 'c-3', 'c-4', 'c-5']) submit(record(signupValue(id)));
      await vi.advanceTimersByTimeAsync(0);
      expect(composed).toEqual(['<c-1@acme.test>', '<c-2@acme.test>', '<c-3@acme.test>', '<c-4@acme.test>', '<c-5@acme.test>']);
      expect(mailer.attempts).toHaveLength(1);
      release?.();
      await vi.advanceTimersByTimeAsync(0);
      expect(sentBytes).toEqual(composed.map((id) => `bytes of ${id}`));
      expect(outcomes).toHaveLength(5);
    });

    it('when an email cannot be composed › dead-letters it as invalid_event without an SMTP attempt; the next one is sent', async () => {
      const mailer = scriptedMailer();
      const prepare = mailer.prepare;
      mailer.prepare = async (mail) => {
        if (mail.messageId === '<bad@acme.test>') throw new Error('no sender');
        return prepare(mail);
      };
      const { submit, outcomes, capacity } = buildDispatcher({ mailer });
      submit(record(signupValue('bad')));
      submit(record(signupValue('good')));
      await vi.advanceTimersByTimeAsync(0);
      expect(mailer.attempts.map((a) => a.messageId)).toEqual(['<good@acme.test>']);
      expect(outcomes.map((o) => o.outcome)).toEqual(
        expect.arrayContaining([
          { kind: 'dead-letter', reason: 'invalid_event', error: 'the email could not be composed: no sender', smtpCode: undefined, attempts: 0 },
          { kind: 'sent', attempts: 1, messageId: '<good@acme.test>', smtpReply: undefined, relay: undefined },
        ]),
      );
      expect(capacity.held).toBe(0);
    });

    it('when the dispatcher closes while a message is being composed › it is neither sent nor settled', async () => {
      const mailer = scriptedMailer();
      mailer.prepare = (mail) => new Promise((resolve) => setTimeout(() => resolve(stubPrepared(mail)), 100));
      const { submit, outcomes, capacity, dispatcher } = buildDispatcher({ mailer });
      submit(record(signupValue('slow-compose')));
      await vi.advanceTimersByTimeAsync(50);
      dispatcher.close();
      await vi.advanceTimersByTimeAsync(1_000);
      expect(mailer.attempts).toHaveLength(0);
      expect(outcomes).toEqual([]);
      expect(capacity.held).toBe(0);
    });
  });
});
