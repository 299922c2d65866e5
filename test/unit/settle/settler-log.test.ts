import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';

import { toConsumedRecord } from '../../../src/intake/to-consumed-record.js';
import type { Outcome } from '../../../src/pipeline/outcome.js';
import { createLogger } from '../../../src/platform/logger.js';
import { createMetrics } from '../../../src/platform/metrics.js';
import { OffsetTracker } from '../../../src/settle/offset-tracker.js';
import { createSettler } from '../../../src/settle/settler.js';
import { signupValue } from '../../support/pipeline.js';

const ADDRESS = 'ada.lovelace@example.test';

/** A settler over a tracked record whose event is addressed to {@link ADDRESS}, logging into an array. */
function setup(publishReceipt: () => Promise<void> = async () => {}) {
  const tracker = new OffsetTracker();
  tracker.retain([{ topic: 'signups', partition: 0 }]);
  const ticket = tracker.track('signups', 0, 5n);
  if (!ticket) throw new Error('not tracked');
  const record = toConsumedRecord(
    {
      key: Buffer.from('k'),
      value: signupValue('evt-5', { user: { id: 'u-5', email: ADDRESS, name: 'Ada' } }),
      headers: {},
      timestamp: '0',
      attributes: 0,
      offset: '5',
    } as never,
    ticket,
  );
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (chunk: string) => void lines.push(chunk) } });
  const settle = createSettler({
    tracker,
    publishDlq: vi.fn(async () => {}),
    publishReceipt,
    metrics: createMetrics({ registry: new Registry(), defaults: false }),
    logger,
    onProgress: () => {},
  });
  const logged = () => lines.flatMap((chunk) => chunk.split('\n').filter(Boolean)).map((line) => JSON.parse(line) as Record<string, unknown>);
  return { record, settle, lines, logged };
}

describe('settler › one log line per settled email', () => {
  it('a sent email: one info line with event id, Message-ID, relay, SMTP reply and attempts, and no address', async () => {
    const { record, settle, lines, logged } = setup();
    const sent: Outcome = {
      kind: 'sent',
      attempts: 2,
      messageId: '<evt-5@acme.test>',
      smtpReply: `250 2.1.5 <${ADDRESS}> ok: queued as 7F3`,
      relay: 'fallback',
    };
    await settle(record, sent, new AbortController().signal);
    expect(logged()).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'email sent',
        eventId: 'evt-5',
        messageId: '<evt-5@acme.test>',
        relay: 'fallback',
        smtpReply: '250 2.1.5 <[address]> ok: queued as 7F3',
        attempts: 2,
        outcome: 'sent',
        partition: 0,
        offset: '5',
      }),
    ]);
    expect(lines.join('')).not.toContain(ADDRESS);
  });

  it('a dead letter: one line with the DLQ reason, SMTP code, error and attempts, and no address', async () => {
    const { record, settle, lines, logged } = setup();
    await settle(
      record,
      { kind: 'dead-letter', reason: 'smtp_permanent', error: `550 5.1.1 ${ADDRESS}: user unknown`, smtpCode: 550, attempts: 1, relay: 'primary' },
      new AbortController().signal,
    );
    expect(logged()).toEqual([
      expect.objectContaining({
        msg: 'message dead-lettered',
        eventId: 'evt-5',
        outcome: 'dead-letter',
        reason: 'smtp_permanent',
        smtpCode: 550,
        error: '550 5.1.1 [address]: user unknown',
        attempts: 1,
        relay: 'primary',
      }),
    ]);
    expect(lines.join('')).not.toContain(ADDRESS);
  });

  it('a duplicate skipped: one info line with the original Message-ID', async () => {
    const { record, settle, logged } = setup();
    await settle(record, { kind: 'duplicate', messageId: '<evt-5@acme.test>', relay: 'primary' }, new AbortController().signal);
    expect(logged()).toEqual([expect.objectContaining({ level: 'info', outcome: 'duplicate', eventId: 'evt-5', messageId: '<evt-5@acme.test>' })]);
  });

  it('a settle abandoned before its receipt was acknowledged logs nothing (its redelivery will)', async () => {
    const { record, settle, lines } = setup(() => Promise.reject(new Error('revoked')));
    const sent: Outcome = { kind: 'sent', attempts: 1, messageId: '<evt-5@acme.test>', smtpReply: '250 ok', relay: undefined };
    await expect(settle(record, sent, new AbortController().signal)).rejects.toThrow('revoked');
    expect(lines).toEqual([]);
  });
});
