import { describe, expect, it } from 'vitest';

import { readDlqRecord, REDRIVE_COUNT_HEADER } from '../../../src/redrive/dlq-record.js';
import { dlqMessage } from './dlq-record-fixture.js';

describe('readDlqRecord', () => {
  it('decodes the provenance headers the service writes', () => {
    const record = readDlqRecord(
      3,
      dlqMessage({ eventId: 'abc', reason: 'smtp_permanent', partition: 2, offset: 41, failedAt: '2025-02-03T04:05:06.789Z' }, '99'),
    );
    expect(record).toMatchObject({
      partition: 3,
      offset: '99',
      reason: 'smtp_permanent',
      originalTopic: 'signups',
      originalPartition: 2,
      originalOffset: 41n,
      failedAt: new Date('2025-02-03T04:05:06.789Z'),
      attempts: 4,
      redriveCount: 0,
      eventId: 'abc',
    });
  });

  it('reads dlq.redrive.count, and a count that is not a number as NaN (the loop guard refuses it)', () => {
    expect(readDlqRecord(0, dlqMessage({ headers: { [REDRIVE_COUNT_HEADER]: '2' } })).redriveCount).toBe(2);
    expect(readDlqRecord(0, dlqMessage({ headers: { [REDRIVE_COUNT_HEADER]: 'two' } })).redriveCount).toBeNaN();
  });

  it.each([
    ['not JSON', Buffer.from('{nope')],
    ['no value', null],
    ['an eventId that is not one', Buffer.from(JSON.stringify({ eventId: 'a b\n<x@y>' }))],
  ])('when the value is %s › has no eventId', (_, value) => {
    expect(readDlqRecord(0, dlqMessage({ value })).eventId).toBeUndefined();
  });
});
