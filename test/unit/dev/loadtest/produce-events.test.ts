import type { Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { batchSize, produceEvents } from '../../../../dev/loadtest/produce-events.js';

describe('produceEvents', () => {
  it('batches a tenth of a second at a target rate, 500 at full speed', () => {
    expect([batchSize(0), batchSize(5), batchSize(1_000), batchSize(100_000)]).toEqual([500, 1, 100, 500]);
  });

  it('enters each batch before sending it, and sends every event once', async () => {
    const order: string[] = [];
    const sent: string[] = [];
    const producer = {
      send: async ({ messages }: { messages: Array<{ value: string }> }) => {
        order.push('send');
        sent.push(...messages.map((m) => (JSON.parse(m.value) as { eventId: string }).eventId));
        return [];
      },
    } as unknown as Producer;
    await produceEvents({
      producer,
      topic: 't',
      runId: 'r',
      count: 1_200,
      rate: 0,
      eventBytes: 500,
      users: 10,
      onSending: (ids) => order.push(`enter ${ids.length}`),
    });
    expect(order).toEqual(['enter 500', 'send', 'enter 500', 'send', 'enter 200', 'send']);
    expect(new Set(sent).size).toBe(1_200);
  });
});
