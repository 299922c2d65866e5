import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { signupEvent } from '../../../../dev/signup-event.js';
import { toConsumedRecord } from '../../../../src/intake/to-consumed-record.js';
import type { ConsumedRecord } from '../../../../src/pipeline/outcome.js';
import { buildDlqMessage, type DeadLetter, DLQ_HEADERS } from '../../../../src/settle/publish/dlq-message.js';

const FAILED_AT = new Date('2024-05-01T12:34:56.789Z');
const OPTIONS = { groupId: 'email-dispatcher', failedAt: FAILED_AT };

const KEY = Buffer.from('user-42');
const VALUE = Buffer.from('{"eventId":"evt-1","user":{"email":"ada@example.test"}}');
const BINARY = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a]);

function record(headers: KafkaMessage['headers'] = {}, message: Partial<KafkaMessage> = {}): ConsumedRecord {
  return toConsumedRecord({ key: KEY, value: VALUE, timestamp: '1714566896000', attributes: 0, offset: '123456789012', headers, ...message } as KafkaMessage, {
    topic: 'user-signups',
    partition: 7,
    offset: 123456789012n,
    epoch: 1,
  });
}

function deadLetter(overrides: Partial<DeadLetter> = {}): DeadLetter {
  return { kind: 'dead-letter', reason: 'smtp_permanent', error: '550 5.1.1 mailbox unavailable', smtpCode: 550, attempts: 1, ...overrides };
}

describe('buildDlqMessage › the template set', () => {
  it('names the set a mapped event was for in dlq.template (a sign-up: welcome)', () => {
    const signup = toConsumedRecord(
      { key: KEY, value: Buffer.from(JSON.stringify(signupEvent('evt-1'))), timestamp: '0', attributes: 0, offset: '1', headers: {} } as KafkaMessage,
      { topic: 't', partition: 0, offset: 1n, epoch: 1 },
    );
    expect(buildDlqMessage(signup, deadLetter(), OPTIONS).headers?.['dlq.template']).toBe('welcome');
  });

  it('has no dlq.template for a value whose type maps to no set', () => {
    expect(buildDlqMessage(record(), deadLetter({ reason: 'invalid_event' }), OPTIONS).headers).not.toHaveProperty('dlq.template');
  });
});

describe('buildDlqMessage', () => {
  describe('the consumed record', () => {
    const headers = { traceparent: '00-abc-def-01', binary: BINARY, multi: [Buffer.from('a'), 'b'] };
    const message = buildDlqMessage(record(headers), deadLetter(), OPTIONS);

    it('keeps the key and value byte for byte', () => {
      expect(message.key).toEqual(KEY);
      expect(message.value).toEqual(VALUE);
      expect(Buffer.isBuffer(message.key) && Buffer.isBuffer(message.value)).toBe(true);
    });

    it('keeps the original headers exactly, Buffers as Buffers', () => {
      expect(message.headers?.traceparent).toBe('00-abc-def-01');
      expect(message.headers?.binary).toEqual(BINARY);
      expect(Buffer.isBuffer(message.headers?.binary)).toBe(true);
      expect(message.headers?.multi).toEqual([Buffer.from('a'), 'b']);
    });

    it('adds only dlq.* headers to them', () => {
      const added = Object.keys(message.headers ?? {}).filter((name) => !(name in headers));
      expect(added.every((name) => name.startsWith('dlq.'))).toBe(true);
    });

    it('when the value is null (a tombstone) and there is no key › keeps them null', () => {
      const tombstone = buildDlqMessage(record({}, { key: null, value: null }), deadLetter({ reason: 'invalid_event', error: 'empty value' }), OPTIONS);
      expect(tombstone.key).toBeNull();
      expect(tombstone.value).toBeNull();
    });

    it('when the record has no headers › still builds the dlq.* headers', () => {
      const bare = buildDlqMessage(record(undefined), deadLetter(), OPTIONS);
      expect(bare.headers?.[DLQ_HEADERS.reason]).toBe('smtp_permanent');
    });
  });

  describe('the dlq.* provenance headers', () => {
    it('describe this failure and where the record came from', () => {
      const message = buildDlqMessage(record(), deadLetter({ reason: 'retries_exhausted', error: '451 4.3.0 try later', smtpCode: 451, attempts: 4 }), OPTIONS);
      expect(message.headers).toEqual({
        'dlq.reason': 'retries_exhausted',
        'dlq.error': '451 4.3.0 try later',
        'dlq.smtp.code': '451',
        'dlq.attempts': '4',
        'dlq.original.topic': 'user-signups',
        'dlq.original.partition': '7',
        'dlq.original.offset': '123456789012',
        'dlq.original.timestamp': '1714566896000',
        'dlq.failed.at': '2024-05-01T12:34:56.789Z',
        'dlq.consumer.group': 'email-dispatcher',
      });
    });

    it('are all strings, as Kafka headers must be bytes', () => {
      const message = buildDlqMessage(record(), deadLetter(), OPTIONS);
      const dlq = Object.entries(message.headers ?? {}).filter(([name]) => name.startsWith('dlq.'));
      expect(dlq).toHaveLength(10);
      for (const [name, value] of dlq) expect([name, typeof value]).toEqual([name, 'string']);
    });

    it('when there is no SMTP code (an invalid event) › omits dlq.smtp.code', () => {
      const message = buildDlqMessage(record(), deadLetter({ reason: 'invalid_event', error: 'value is not JSON', smtpCode: undefined, attempts: 0 }), OPTIONS);
      expect(message.headers).not.toHaveProperty('dlq.smtp.code');
      expect(message.headers?.['dlq.reason']).toBe('invalid_event');
      expect(message.headers?.['dlq.attempts']).toBe('0');
    });

    it('dlq.failed.at is the given time in ISO-8601', () => {
      const message = buildDlqMessage(record(), deadLetter(), { groupId: 'g', failedAt: new Date(0) });
      expect(message.headers?.['dlq.failed.at']).toBe('1970-01-01T00:00:00.000Z');
      expect(message.headers?.['dlq.consumer.group']).toBe('g');
    });
  });

  describe('when the record was dead-lettered before (a redrive that failed again)', () => {
    const earlier = {
      'dlq.reason': 'retries_exhausted',
      'dlq.error': 'old error',
      'dlq.smtp.code': '451',
      'dlq.attempts': '4',
      'dlq.original.topic': 'older-topic',
      'dlq.original.partition': '0',
      'dlq.original.offset': '1',
      'dlq.original.timestamp': '1',
      'dlq.failed.at': '2020-01-01T00:00:00.000Z',
      'dlq.consumer.group': 'old-group',
      'dlq.value.dropped': 'true',
      'dlq.value.size': '9999999',
      traceparent: 'kept',
    };

    it('replaces every earlier dlq.* header with this failure', () => {
      const message = buildDlqMessage(record(earlier), deadLetter({ reason: 'smtp_permanent', error: 'new error', smtpCode: 550, attempts: 1 }), OPTIONS);
      expect(message.headers).toMatchObject({
        'dlq.reason': 'smtp_permanent',
        'dlq.error': 'new error',
        'dlq.smtp.code': '550',
        'dlq.attempts': '1',
        'dlq.original.topic': 'user-signups',
        'dlq.original.offset': '123456789012',
        'dlq.failed.at': FAILED_AT.toISOString(),
        'dlq.consumer.group': 'email-dispatcher',
        traceparent: 'kept',
      });
    });

    it('drops an earlier dlq.smtp.code when this failure has none', () => {
      const message = buildDlqMessage(record(earlier), deadLetter({ reason: 'invalid_event', smtpCode: undefined }), OPTIONS);
      expect(message.headers).not.toHaveProperty('dlq.smtp.code');
    });

    it('drops an earlier dlq.value.dropped: this record carries its value', () => {
      const message = buildDlqMessage(record(earlier), deadLetter(), OPTIONS);
      expect(message.headers).not.toHaveProperty('dlq.value.dropped');
      expect(message.headers).not.toHaveProperty('dlq.value.size');
      expect(message.value).toEqual(VALUE);
    });

    it('replaces earlier headers given as Buffers too', () => {
      const message = buildDlqMessage(record({ 'dlq.reason': Buffer.from('invalid_event') }), deadLetter(), OPTIONS);
      expect(message.headers?.['dlq.reason']).toBe('smtp_permanent');
    });
  });

  describe('dlq.error', () => {
    it('has addresses scrubbed', () => {
      const message = buildDlqMessage(record(), deadLetter({ error: '550 5.1.1 <bob@example.test>: no such user' }), OPTIONS);
      expect(message.headers?.['dlq.error']).toBe('550 5.1.1 <[address]>: no such user');
    });

    it('is at most 1024 characters', () => {
      const message = buildDlqMessage(record(), deadLetter({ error: `451 ${'y'.repeat(10_000)} carol@example.test` }), OPTIONS);
      const error = message.headers?.['dlq.error'] as string;
      expect(error.length).toBeLessThanOrEqual(1024);
      expect(error.startsWith('451 yyy')).toBe(true);
    });

    it('an address right at the 1024-character cut is scrubbed, not half kept', () => {
      const message = buildDlqMessage(record(), deadLetter({ error: `${'z'.repeat(1010)} carol@example.test` }), OPTIONS);
      expect(message.headers?.['dlq.error']).not.toContain('carol');
    });
  });
});
