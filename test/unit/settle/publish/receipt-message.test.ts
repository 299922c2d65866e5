import { describe, expect, it } from 'vitest';

import { buildReceipt, RECEIPT_CONTENT_TYPE, receiptMessage } from '../../../../src/settle/publish/receipt-message.js';
import { record, signupValue } from '../../../support/pipeline.js';

const settledAt = new Date('2026-11-29T12:00:00.000Z');

describe('buildReceipt', () => {
  const good = record(signupValue('evt-1'), { partition: 2, offset: 41 });

  it('sent: Message-ID, the server reply and its code, attempts, relay, times and provenance', () => {
    const receipt = buildReceipt(
      good,
      { kind: 'sent', attempts: 2, messageId: '<evt-1@acme.test>', smtpReply: '250 2.0.0 Ok: queued as ABC for <zoe@example.test>', relay: undefined },
      { settledAt, relay: 'primary' },
    );
    expect(receipt).toMatchObject({
      version: 1,
      eventId: 'evt-1',
      outcome: 'sent',
      messageId: '<evt-1@acme.test>',
      smtpCode: 250,
      dlqReason: null,
      attempts: 2,
      relay: 'primary',
      settledAt: '2026-11-29T12:00:00.000Z',
      source: { topic: 'signups', partition: 2, offset: '41' },
    });
    expect(receipt.occurredAt).toEqual(expect.any(String));
    expect(receipt.smtpReply).toMatch(/^250 2\.0\.0 Ok: queued as ABC/);
    expect(receipt.smtpReply).not.toContain('zoe@example.test');
  });

  it('duplicate: skipped_duplicate with the Message-ID, no attempts of its own', () => {
    expect(buildReceipt(good, { kind: 'duplicate', messageId: '<evt-1@acme.test>' }, { settledAt, relay: 'primary' })).toMatchObject({
      outcome: 'skipped_duplicate',
      messageId: '<evt-1@acme.test>',
      attempts: 0,
      relay: null,
    });
  });

  it("duplicate skipped after a crash: the original send's Message-ID and the relay that took it", () => {
    expect(buildReceipt(good, { kind: 'duplicate', messageId: '<evt-1@old-domain.test>', relay: 'fallback' }, { settledAt, relay: 'primary' })).toMatchObject({
      outcome: 'skipped_duplicate',
      messageId: '<evt-1@old-domain.test>',
      relay: 'fallback',
    });
  });

  it('dead letter refused by the fallback relay: relay fallback', () => {
    expect(
      buildReceipt(
        good,
        { kind: 'dead-letter', reason: 'smtp_permanent', error: '554 5.7.1 relay access denied', smtpCode: 554, attempts: 1, relay: 'fallback' },
        { settledAt, relay: 'primary' },
      ),
    ).toMatchObject({ outcome: 'dead_lettered', smtpCode: 554, relay: 'fallback' });
  });

  it('dead letter: the reason, the refusal and its code; an invalid event has no eventId, relay or reply', () => {
    expect(
      buildReceipt(
        good,
        { kind: 'dead-letter', reason: 'smtp_permanent', error: '550 5.1.1 no such user', smtpCode: 550, attempts: 1 },
        { settledAt, relay: 'primary' },
      ),
    ).toMatchObject({
      outcome: 'dead_lettered',
      messageId: null,
      dlqReason: 'smtp_permanent',
      smtpCode: 550,
      smtpReply: '550 5.1.1 no such user',
      relay: 'primary',
    });
    const invalid = record(Buffer.from('{not json'), { offset: 7 });
    expect(
      buildReceipt(
        invalid,
        { kind: 'dead-letter', reason: 'invalid_event', error: 'not JSON', smtpCode: undefined, attempts: 0 },
        { settledAt, relay: 'primary' },
      ),
    ).toMatchObject({
      eventId: null,
      dlqReason: 'invalid_event',
      smtpReply: null,
      relay: null,
      occurredAt: null,
    });
  });
});

describe('buildReceipt with event types', () => {
  const good = record(signupValue('evt-1'), { partition: 2, offset: 41 });

  it('names the template set of a mapped event (a sign-up: welcome), null for a value that is no event', () => {
    expect(
      buildReceipt(good, { kind: 'sent', attempts: 1, messageId: '<evt-1@acme.test>', smtpReply: '250 ok', relay: undefined }, { settledAt, relay: 'primary' }),
    ).toMatchObject({ template: 'welcome', skipReason: null });
    expect(
      buildReceipt(
        record(Buffer.from('{')),
        { kind: 'dead-letter', reason: 'invalid_event', error: 'not JSON', smtpCode: undefined, attempts: 0 },
        { settledAt, relay: 'primary' },
      ),
    ).toMatchObject({ template: null });
  });

  it('skipped (a type no set serves): outcome skipped, its reason, the event id, nothing sent and no template', () => {
    const other = record(signupValue('evt-9', { type: 'user.deleted' }), { offset: 9 });
    expect(buildReceipt(other, { kind: 'skipped', reason: 'unmapped_event_type', eventType: 'user.deleted' }, { settledAt, relay: 'primary' })).toMatchObject({
      version: 1,
      eventId: 'evt-9',
      outcome: 'skipped',
      skipReason: 'unmapped_event_type',
      template: null,
      messageId: null,
      smtpReply: null,
      smtpCode: null,
      dlqReason: null,
      attempts: 0,
      relay: null,
      occurredAt: null,
      settledAt: '2026-11-29T12:00:00.000Z',
      source: { topic: 'signups', partition: 0, offset: '9' },
    });
  });
});

describe('receiptMessage', () => {
  it('keys by eventId (the original key when there is none) and says what it is in headers', () => {
    const good = record(signupValue('evt-2'));
    const message = receiptMessage(good, buildReceipt(good, { kind: 'duplicate', messageId: '<evt-2@acme.test>' }, { settledAt, relay: 'primary' }));
    expect(message.key).toBe('evt-2');
    expect(message.headers).toEqual({ 'content-type': RECEIPT_CONTENT_TYPE, 'receipt.outcome': 'skipped_duplicate' });
    expect(JSON.parse(String(message.value))).toMatchObject({ eventId: 'evt-2' });
    const invalid = record(null);
    expect(
      receiptMessage(
        invalid,
        buildReceipt(
          invalid,
          { kind: 'dead-letter', reason: 'invalid_event', error: 'empty', smtpCode: undefined, attempts: 0 },
          { settledAt, relay: 'primary' },
        ),
      ).key,
    ).toEqual(Buffer.from('k'));
  });
});
