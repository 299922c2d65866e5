import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';

import { toConsumedRecord } from '../../../src/intake/to-consumed-record.js';
import type { Outcome } from '../../../src/pipeline/outcome.js';
import { createMetrics } from '../../../src/platform/metrics.js';
import { OffsetTracker } from '../../../src/settle/offset-tracker.js';
import { createSettler } from '../../../src/settle/settler.js';
import { signupValue, silentLogger } from '../../support/pipeline.js';

/** A tracker that owns partition 0 of `signups` and has admitted offset 5. */
function tracked() {
  const tracker = new OffsetTracker();
  tracker.retain([{ topic: 'signups', partition: 0 }]);
  const ticket = tracker.track('signups', 0, 5n);
  if (!ticket) throw new Error('not tracked');
  const record = toConsumedRecord(
    { key: Buffer.from('k'), value: signupValue('evt-5'), headers: {}, timestamp: '0', attributes: 0, offset: '5' } as never,
    ticket,
  );
  return { tracker, record };
}

const sent: Outcome = { kind: 'sent', attempts: 1, messageId: '<evt-5@acme.test>', smtpReply: '250 ok', relay: undefined };

describe('settler › skipped events', () => {
  it('settles the offset, publishes the receipt and counts the event by its type', async () => {
    const { tracker, record } = tracked();
    const metrics = createMetrics({ registry: new Registry(), defaults: false });
    const publishReceipt = vi.fn(async () => {});
    const publishDlq = vi.fn();
    const settle = createSettler({ tracker, publishDlq, publishReceipt, metrics, logger: silentLogger, onProgress: () => {} });
    const skipped: Outcome = { kind: 'skipped', reason: 'unmapped_event_type', eventType: 'user.deleted' };
    await settle(record, skipped, new AbortController().signal);
    expect(publishDlq).not.toHaveBeenCalled();
    expect(publishReceipt).toHaveBeenCalledWith(record, skipped, expect.any(AbortSignal));
    expect(tracker.commitCandidates().map((c) => c.offset)).toEqual([6n]);
    expect((await metrics.eventsSkipped.get()).values).toEqual([{ labels: { type: 'user.deleted' }, value: 1 }]);
  });
});

describe('settler', () => {
  it('settles the offset only after the receipt is acknowledged', async () => {
    const { tracker, record } = tracked();
    let ack = () => {};
    const publishReceipt = vi.fn(() => new Promise<void>((resolve) => (ack = resolve)));
    const settle = createSettler({
      tracker,
      publishDlq: vi.fn(),
      publishReceipt,
      metrics: createMetrics({ registry: new Registry(), defaults: false }),
      logger: silentLogger,
      onProgress: () => {},
    });
    const done = settle(record, sent, new AbortController().signal);
    await Promise.resolve();
    expect(publishReceipt).toHaveBeenCalledWith(record, sent, expect.any(AbortSignal));
    const committable = () => tracker.commitCandidates().map((c) => c.offset);
    expect(committable()).toEqual([5n]);
    ack();
    await done;
    expect(committable()).toEqual([6n]);
  });

  it('a receipt that is never acknowledged (abandoned) leaves the offset unsettled', async () => {
    const { tracker, record } = tracked();
    const abandon = new AbortController();
    const publishReceipt = (_r: unknown, _o: unknown, signal: AbortSignal) =>
      new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    const settle = createSettler({
      tracker,
      publishDlq: vi.fn(),
      publishReceipt,
      metrics: createMetrics({ registry: new Registry(), defaults: false }),
      logger: silentLogger,
      onProgress: () => {},
    });
    const done = settle(record, sent, abandon.signal);
    abandon.abort(new Error('revoked'));
    await expect(done).rejects.toThrow('revoked');
    expect(tracker.commitCandidates().map((c) => c.offset)).toEqual([5n]);
  });

  it('a dead letter: the DLQ record first, then the receipt', async () => {
    const { tracker, record } = tracked();
    const order: string[] = [];
    const settle = createSettler({
      tracker,
      publishDlq: async () => void order.push('dlq'),
      publishReceipt: async () => void order.push('receipt'),
      metrics: createMetrics({ registry: new Registry(), defaults: false }),
      logger: silentLogger,
      onProgress: () => {},
    });
    await settle(record, { kind: 'dead-letter', reason: 'smtp_permanent', error: '550', smtpCode: 550, attempts: 1 }, new AbortController().signal);
    expect(order).toEqual(['dlq', 'receipt']);
  });
});
