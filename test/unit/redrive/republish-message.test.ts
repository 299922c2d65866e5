import { describe, expect, it } from 'vitest';

import { readDlqRecord, REDRIVE_COUNT_HEADER } from '../../../src/redrive/dlq-record.js';
import { republishMessage } from '../../../src/redrive/republish-message.js';
import { dlqMessage } from './dlq-record-fixture.js';

describe('republishMessage', () => {
  it('goes to the original topic and partition with the original key, value and non-DLQ headers, count 1', () => {
    const message = dlqMessage({ eventId: 'e-9', partition: 2, headers: { 'trace-id': 'abc' } });
    const { topic, message: copy } = republishMessage(readDlqRecord(0, message));
    expect(topic).toBe('signups');
    expect(copy.partition).toBe(2);
    expect(copy.key).toEqual(Buffer.from('user-e-9'));
    expect(copy.value).toEqual(message.value);
    expect(Object.keys(copy.headers ?? {}).sort()).toEqual([REDRIVE_COUNT_HEADER, 'trace', 'trace-id']);
    expect(copy.headers?.[REDRIVE_COUNT_HEADER]).toBe('1');
  });

  it('increments the count a record already carries', () => {
    const { message } = republishMessage(readDlqRecord(0, dlqMessage({ headers: { [REDRIVE_COUNT_HEADER]: '2' } })));
    expect(message.headers?.[REDRIVE_COUNT_HEADER]).toBe('3');
  });
});
