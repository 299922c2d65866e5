import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { buildContracts, CONTRACTS_DIR } from '../../../dev/contracts/build-contracts.js';
import { receiptSchema } from '../../../dev/contracts/receipt-schema.js';
import { buildReceipt } from '../../../src/settle/publish/receipt-message.js';
import { record, signupValue } from '../../support/pipeline.js';

const built = buildContracts();

describe('contracts in docs/contracts', () => {
  it.each(Object.keys(built))('%s is what the code generates (run npm run docs:contracts after changing a contract)', (name) => {
    expect(readFileSync(join(CONTRACTS_DIR, name), 'utf8')).toBe(built[name]);
  });

  it('holds no file the generator does not write', () => {
    expect(
      readdirSync(CONTRACTS_DIR)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(Object.keys(built).sort());
  });

  it('the sign-up event schema requires what the parser requires', () => {
    const schema = JSON.parse(built['signup-event.schema.json'] ?? '{}') as { required: string[]; properties: { user: { required: string[] } } };
    expect(schema.required).toEqual(expect.arrayContaining(['eventId', 'type', 'occurredAt', 'user']));
    expect(schema.properties.user.required).toEqual(expect.arrayContaining(['id', 'email']));
  });

  it('receipts the service builds validate against the receipt schema', () => {
    const r = record(signupValue('evt-1'));
    const receipts = [
      buildReceipt(
        r,
        { kind: 'sent', attempts: 1, messageId: '<evt-1@acme.test>', smtpReply: '250 ok', relay: 'primary' },
        { settledAt: new Date(), relay: null },
      ),
      buildReceipt(
        r,
        { kind: 'dead-letter', reason: 'smtp_permanent', error: '550 no', smtpCode: 550, attempts: 1 },
        { settledAt: new Date(), relay: 'primary' },
      ),
      buildReceipt(r, { kind: 'duplicate', messageId: '<evt-1@acme.test>' }, { settledAt: new Date(), relay: null }),
    ];
    for (const receipt of receipts) expect(receiptSchema.safeParse(receipt).success).toBe(true);
    expect(z.toJSONSchema(receiptSchema).required).toContain('eventId');
  });

  it('the AsyncAPI 3 document names the three topics and refers to the schema files', () => {
    const doc = JSON.parse(built['asyncapi.json'] ?? '{}') as { asyncapi: string; channels: Record<string, { address: string }> };
    expect(doc.asyncapi).toBe('3.0.0');
    expect(Object.values(doc.channels).map((c) => c.address)).toEqual(['{KAFKA_TOPIC}', '{KAFKA_DLQ_TOPIC}', '{KAFKA_RECEIPTS_TOPIC}']);
    for (const file of ['./signup-event.schema.json', './receipt.schema.json', './dlq-record-headers.schema.json'])
      expect(built['asyncapi.json']).toContain(`"${file}"`);
  });
});
