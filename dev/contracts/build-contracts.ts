import { z } from 'zod';

import { DLQ_REASONS } from '../../src/pipeline/outcome.js';
import { signupEventSchema } from '../../src/pipeline/signup-event.js';
import { DLQ_HEADERS } from '../../src/settle/publish/dlq-message.js';
import { RECEIPT_CONTENT_TYPE } from '../../src/settle/publish/receipt-message.js';
import { receiptSchema } from './receipt-schema.js';

/** Folder of the generated contract files, from the repository root. */
export const CONTRACTS_DIR = 'docs/contracts';

const DLQ_HEADER_DESCRIPTIONS: Record<keyof typeof DLQ_HEADERS, string> = {
  reason: `Why it was dead-lettered: ${DLQ_REASONS.join(' | ')}`,
  error: 'The error, addresses removed, at most 1 KiB',
  smtpCode: 'The SMTP reply code that refused it (absent when no server answered)',
  attempts: 'Send attempts made',
  topic: 'Topic of the original record',
  partition: 'Partition of the original record (decimal)',
  offset: 'Offset of the original record (decimal)',
  timestamp: 'Timestamp of the original record (ms since the epoch, decimal)',
  failedAt: 'When it was dead-lettered (ISO-8601)',
  group: 'Consumer group that dead-lettered it',
  template: "The template set the event's type maps to (welcome, verify-email…); absent when its type maps to none or the value is no event",
  valueDropped: 'Set (message_too_large) only when the DLQ topic refused the original value as too large; the value is then null',
  valueSize: 'Size in bytes of the dropped value (with dlq.value.dropped)',
  traceId: "The event's W3C trace id, only while the service traces (OTEL_*); traceparent then names the DLQ publish span",
};

/** The DLQ record's headers (every value a UTF-8 string); the key and value are the original record's, byte for byte. */
function dlqHeadersSchema(): Record<string, unknown> {
  const required = ['reason', 'error', 'attempts', 'topic', 'partition', 'offset', 'timestamp', 'failedAt', 'group'] as const;
  const properties = Object.fromEntries(
    (Object.keys(DLQ_HEADERS) as Array<keyof typeof DLQ_HEADERS>).map((k) => [
      DLQ_HEADERS[k],
      k === 'reason'
        ? { type: 'string', enum: [...DLQ_REASONS], description: DLQ_HEADER_DESCRIPTIONS[k] }
        : { type: 'string', description: DLQ_HEADER_DESCRIPTIONS[k] },
    ]),
  );
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'DLQ record headers',
    description:
      "Headers of a KAFKA_DLQ_TOPIC record: the original record's headers (traceparent and the like) kept, plus these. Key and value are the original record's, byte for byte.",
    type: 'object',
    properties: { ...properties, 'dlq.redrive.count': { type: 'string', description: 'Times the redrive tool copied this record back (its loop guard)' } },
    required: required.map((k) => DLQ_HEADERS[k]),
    additionalProperties: { type: 'string' },
  };
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  // io: 'input' — what a producer writes (transforms, such as dropping an unsafe name, run after).
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
}

function asyncApi(): Record<string, unknown> {
  const stringKey = { type: 'string' };
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'email-dispatcher',
      version: '1',
      description: 'Kafka topics the email dispatcher reads and writes. Topic names are configuration (KAFKA_TOPIC, KAFKA_DLQ_TOPIC, KAFKA_RECEIPTS_TOPIC).',
    },
    channels: {
      signups: {
        address: '{KAFKA_TOPIC}',
        parameters: { KAFKA_TOPIC: { description: 'KAFKA_TOPIC' } },
        messages: { signupEvent: { $ref: '#/components/messages/signupEvent' } },
      },
      dlq: {
        address: '{KAFKA_DLQ_TOPIC}',
        parameters: { KAFKA_DLQ_TOPIC: { description: 'KAFKA_DLQ_TOPIC' } },
        messages: { deadLetter: { $ref: '#/components/messages/deadLetter' } },
      },
      receipts: {
        address: '{KAFKA_RECEIPTS_TOPIC}',
        parameters: { KAFKA_RECEIPTS_TOPIC: { description: 'KAFKA_RECEIPTS_TOPIC (optional; no receipts without it)' } },
        messages: { receipt: { $ref: '#/components/messages/receipt' } },
      },
    },
    operations: {
      consumeSignups: { action: 'receive', channel: { $ref: '#/channels/signups' } },
      publishDeadLetters: { action: 'send', channel: { $ref: '#/channels/dlq' } },
      publishReceipts: { action: 'send', channel: { $ref: '#/channels/receipts' } },
    },
    components: {
      messages: {
        signupEvent: {
          name: 'signupEvent',
          contentType: 'application/json',
          payload: { $ref: './signup-event.schema.json' },
          bindings: { kafka: { key: { ...stringKey, description: "The user id (keeps one user's events in order)" }, bindingVersion: '0.5.0' } },
          headers: {
            type: 'object',
            properties: {
              traceparent: {
                type: 'string',
                description: 'W3C trace context: copied to the DLQ record; while the service traces, its span of the event is a child of it',
              },
              tracestate: { type: 'string', description: 'W3C trace context, with traceparent' },
            },
            additionalProperties: { type: 'string' },
          },
        },
        deadLetter: {
          name: 'deadLetter',
          summary: 'The original record, byte for byte, with provenance headers',
          payload: { description: 'The original value (null with dlq.value.dropped)' },
          headers: { $ref: './dlq-record-headers.schema.json' },
          bindings: { kafka: { key: { description: "The original record's key" }, bindingVersion: '0.5.0' } },
        },
        receipt: {
          name: 'receipt',
          contentType: RECEIPT_CONTENT_TYPE,
          payload: { $ref: './receipt.schema.json' },
          headers: {
            type: 'object',
            properties: {
              traceparent: { type: 'string', description: 'W3C trace context of the receipt publish span, only while the service traces' },
              'content-type': { const: RECEIPT_CONTENT_TYPE },
              'receipt.outcome': { type: 'string', enum: ['sent', 'dead_lettered', 'skipped_duplicate'] },
            },
            required: ['content-type', 'receipt.outcome'],
          },
          bindings: { kafka: { key: { ...stringKey, description: 'eventId (the original key when the event did not parse)' }, bindingVersion: '0.5.0' } },
        },
      },
    },
  };
}

/** Every contract file, by name under {@link CONTRACTS_DIR}, as the text written there. */
export function buildContracts(): Record<string, string> {
  const text = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  return {
    'signup-event.schema.json': text({
      title: 'User event',
      description:
        "Value of a KAFKA_TOPIC record: UTF-8 JSON; key = user id. Unknown fields are ignored. type picks the template set (the templates' manifest.json: user.signed_up → welcome, user.email_verification_requested → verify-email as shipped); data carries the fields that set needs (verificationUrl…). A type no set serves is dead-lettered or skipped (EMAIL_UNMAPPED_EVENT_TYPES). Generated from src/pipeline/signup-event.ts.",
      ...jsonSchema(signupEventSchema),
    }),
    'receipt.schema.json': text(jsonSchema(receiptSchema)),
    'dlq-record-headers.schema.json': text(dlqHeadersSchema()),
    'asyncapi.json': text(asyncApi()),
  };
}
