import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { createMetrics } from '../../../../src/platform/metrics.js';
import { createDlqPublisher } from '../../../../src/settle/publish/dlq-publisher.js';
import { StalledPublishes } from '../../../../src/settle/publish/produce-until-acknowledged.js';
import { record, signupValue, silentLogger } from '../../../support/pipeline.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const deadLetter = { kind: 'dead-letter', reason: 'smtp_permanent', error: '550 no such user', smtpCode: 550, attempts: 1 } as const;

function setup(send: () => Promise<unknown>) {
  const metrics = createMetrics({ registry: new Registry(), defaults: false });
  const stalls = new StalledPublishes();
  const publish = createDlqPublisher({
    producer: { send: send as never },
    topic: 'signups.dlq',
    groupId: 'g',
    metrics,
    logger: silentLogger,
    backoffMs: [100],
    stallAfterMs: 60_000,
    stalls,
  });
  const stalled = async () => (await metrics.dlqPublishStalled.get()).values[0]?.value ?? 0;
  const errors = async () => (await metrics.dlqPublishErrors.get()).values[0]?.value ?? 0;
  return { publish, metrics, stalled, errors, stalls };
}

describe('DLQ publisher', () => {
  it('when the produce fails twice › retries after the backoff and resolves once acknowledged', async () => {
    const send = vi
      .fn()
      .mockRejectedValueOnce(new Error('leader not available'))
      .mockRejectedValueOnce(new Error('leader not available'))
      .mockResolvedValue([]);
    const { publish, stalled } = setup(send);
    const done = publish(record(signupValue('d-1')), deadLetter, new AbortController().signal);
    await vi.advanceTimersByTimeAsync(250);
    await done;
    expect(send).toHaveBeenCalledTimes(3);
    expect(await stalled()).toBe(0);
  });

  it('when KafkaJS keeps retrying a missing topic inside send() › reports the publish stalled after the bound, keeps waiting, and clears it when aborted', async () => {
    const { publish, stalled } = setup(() => new Promise(() => {}));
    const abort = new AbortController();
    const done = publish(record(signupValue('d-2')), deadLetter, abort.signal).catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(await stalled()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(await stalled()).toBe(1);
    abort.abort(new Error('partition revoked'));
    expect(await done).toEqual(new Error('partition revoked'));
    expect(await stalled()).toBe(0);
  });

  it('when a stalled publish is finally acknowledged › clears the stall', async () => {
    let ack: (v: unknown) => void = () => {};
    const { publish, stalled } = setup(() => new Promise((resolve) => (ack = resolve)));
    const done = publish(record(signupValue('d-3')), deadLetter, new AbortController().signal);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await stalled()).toBe(1);
    ack([]);
    await done;
    expect(await stalled()).toBe(0);
  });

  it('when a publish stalls › it counts as one failed attempt, shows in the stall count /readyz reads, and the same send is awaited', async () => {
    const send = vi.fn(() => new Promise(() => {}));
    const { publish, errors, stalls } = setup(send);
    void publish(record(signupValue('d-4')), deadLetter, new AbortController().signal);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await errors()).toBe(1);
    expect(stalls.count).toBe(1);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(await errors()).toBe(1);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('when the DLQ refuses the value as too large › dead-letters it without the value at once, counting no error', async () => {
    const tooLarge = Object.assign(new Error('message too large'), { type: 'MESSAGE_TOO_LARGE' });
    const send = vi.fn().mockRejectedValueOnce(tooLarge).mockResolvedValue([]);
    const { publish, errors } = setup(send);
    await publish(record(signupValue('d-5')), deadLetter, new AbortController().signal);
    expect(send).toHaveBeenCalledTimes(2);
    expect((send.mock.calls[1] as unknown as [{ messages: Array<{ value: unknown; headers: Record<string, string> }> }])[0].messages[0]?.value).toBeNull();
    expect(await errors()).toBe(0);
  });
});
