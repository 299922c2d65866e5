import { type Message, Partitioners, type PartitionMetadata, type ProducerRecord, type RecordMetadata } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { createMetrics } from '../../../../src/platform/metrics.js';
import { StalledPublishes } from '../../../../src/settle/publish/produce-until-acknowledged.js';
import { ReceiptPublisher } from '../../../../src/settle/publish/receipt-publisher.js';
import { silentLogger } from '../../../support/pipeline.js';

const message = (n: number): Message => ({ key: `e-${n}`, value: `{"n":${n}}` });

const PARTITIONS = 3;
const partitionMetadata: PartitionMetadata[] = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
  partitionId,
  leader: 1,
  replicas: [1],
  isr: [1],
  partitionErrorCode: 0,
}));
const kafkaPartitioner = Partitioners.DefaultPartitioner();
/** The partition KafkaJS's default partitioner picks for a key over PARTITIONS partitions. */
const partitionOf = (key: string) => kafkaPartitioner({ topic: 'receipts', partitionMetadata, message: { key, value: null } });
/** What the broker returns for a write to `partitions` (one entry per partition written). */
const ackOf = (partitions: Iterable<number>): RecordMetadata[] =>
  [...new Set(partitions)].map((partition) => ({ topicName: 'receipts', partition, errorCode: 0, baseOffset: '0' }));

/** A producer whose sends resolve (by default acknowledging every partition written) or fail when the test says. */
function scriptedProducer() {
  const requests: Array<{ record: ProducerRecord; resolve: (metadata?: RecordMetadata[]) => void; reject: (err: Error) => void }> = [];
  const partitionsOf = (record: ProducerRecord) => record.messages.map((m) => m.partition ?? partitionOf(String(m.key)));
  return {
    requests,
    send: (record: ProducerRecord) =>
      new Promise<RecordMetadata[]>((resolve, reject) =>
        requests.push({ record, resolve: (metadata) => resolve(metadata ?? ackOf(partitionsOf(record))), reject }),
      ),
  };
}

describe('ReceiptPublisher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const publisher = (producer: ReturnType<typeof scriptedProducer>, options: { maxBatch?: number; partitionCount?: () => Promise<number> } = {}) => {
    const metrics = createMetrics({ registry: new Registry(), defaults: false });
    const stalls = new StalledPublishes();
    return {
      metrics,
      stalls,
      publisher: new ReceiptPublisher({
        producer,
        topic: 'receipts',
        partitionCount: async () => PARTITIONS,
        metrics,
        logger: silentLogger,
        lingerMs: 5,
        backoffMs: [100],
        stallAfterMs: 60_000,
        stalls,
        ...options,
      }),
    };
  };
  const valueOf = async (metric: { get(): Promise<{ values: Array<{ value: number }> }> }) => (await metric.get()).values[0]?.value ?? 0;

  it('batches what arrives within the linger, resolves each only when its batch is acknowledged (acks=all)', async () => {
    const producer = scriptedProducer();
    const { publisher: p } = publisher(producer);
    const signal = new AbortController().signal;
    const done: number[] = [];
    for (const n of [1, 2, 3]) void p.publish(message(n), signal).then(() => done.push(n));
    await vi.advanceTimersByTimeAsync(5);
    expect(producer.requests).toHaveLength(1);
    expect(producer.requests[0]?.record).toMatchObject({ topic: 'receipts', acks: -1 });
    expect(producer.requests[0]?.record.messages.map((m) => m.key)).toEqual(['e-1', 'e-2', 'e-3']);
    expect(done).toEqual([]);
    // What settles while the first batch is in flight goes in the next one.
    void p.publish(message(4), signal).then(() => done.push(4));
    producer.requests[0]?.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toEqual([1, 2, 3]);
    expect(producer.requests).toHaveLength(2);
    expect(producer.requests[1]?.record.messages.map((m) => m.key)).toEqual(['e-4']);
    producer.requests[1]?.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toEqual([1, 2, 3, 4]);
  });

  it('sends a full batch at once and splits at maxBatch', async () => {
    const producer = scriptedProducer();
    const { publisher: p } = publisher(producer, { maxBatch: 2 });
    const signal = new AbortController().signal;
    for (const n of [1, 2, 3]) void p.publish(message(n), signal);
    await vi.advanceTimersByTimeAsync(0);
    expect(producer.requests.map((r) => r.record.messages.length)).toEqual([2]);
    producer.requests[0]?.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(producer.requests.map((r) => r.record.messages.length)).toEqual([2, 1]);
  });

  it('retries a failed batch until acknowledged, counting errors; nothing resolves before', async () => {
    const producer = scriptedProducer();
    const { publisher: p, metrics } = publisher(producer);
    let resolved = false;
    void p.publish(message(1), new AbortController().signal).then(() => (resolved = true));
    await vi.advanceTimersByTimeAsync(5);
    producer.requests[0]?.reject(new Error('broker down'));
    await vi.advanceTimersByTimeAsync(99);
    expect(producer.requests).toHaveLength(1);
    expect(resolved).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(producer.requests).toHaveLength(2);
    producer.requests[1]?.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(resolved).toBe(true);
    expect((await metrics.receiptPublishErrors.get()).values[0]?.value).toBe(1);
  });

  it('an abandoned receipt rejects at once, is dropped from the retries, and a batch of only abandoned ones stops retrying', async () => {
    const producer = scriptedProducer();
    const { publisher: p } = publisher(producer);
    const abandon = new AbortController();
    const outcome = p.publish(message(1), abandon.signal).then(
      () => 'resolved',
      () => 'rejected',
    );
    await vi.advanceTimersByTimeAsync(5);
    producer.requests[0]?.reject(new Error('broker down'));
    await vi.advanceTimersByTimeAsync(0);
    abandon.abort(new Error('revoked'));
    expect(await outcome).toBe('rejected');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(producer.requests).toHaveLength(1);
  });

  it('when KafkaJS keeps retrying a missing topic inside send() › past the bound the batch counts as a failed request, is reported stalled once, and the same request is awaited until acknowledged', async () => {
    const producer = scriptedProducer();
    const { publisher: p, metrics, stalls } = publisher(producer);
    let resolved = false;
    void p.publish(message(1), new AbortController().signal).then(() => (resolved = true));
    await vi.advanceTimersByTimeAsync(5 + 59_999);
    expect(await valueOf(metrics.receiptPublishErrors)).toBe(0);
    expect(stalls.count).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(await valueOf(metrics.receiptPublishErrors)).toBe(1);
    expect(await valueOf(metrics.receiptPublishStalled)).toBe(1);
    expect(stalls.count).toBe(1);
    // Still one request: a second send beside the one KafkaJS retries would publish the batch twice.
    await vi.advanceTimersByTimeAsync(300_000);
    expect(producer.requests).toHaveLength(1);
    expect(await valueOf(metrics.receiptPublishErrors)).toBe(1);
    producer.requests[0]?.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(resolved).toBe(true);
    expect(await valueOf(metrics.receiptPublishStalled)).toBe(0);
    expect(stalls.count).toBe(0);
  });

  it('when every receipt of a stalled batch is abandoned › the stall clears', async () => {
    const producer = scriptedProducer();
    const { publisher: p, metrics, stalls } = publisher(producer);
    const abandon = new AbortController();
    const outcome = p.publish(message(1), abandon.signal).catch(() => 'rejected');
    await vi.advanceTimersByTimeAsync(60_005);
    expect(stalls.count).toBe(1);
    abandon.abort(new Error('revoked'));
    expect(await outcome).toBe('rejected');
    await vi.advanceTimersByTimeAsync(0);
    expect(stalls.count).toBe(0);
    expect(await valueOf(metrics.receiptPublishStalled)).toBe(0);
  });

  it('when a send resolves without the metadata of one partition (its leader moved) › only the receipts of confirmed partitions count as acknowledged; the records of the missing partition are sent again, counted as one error', async () => {
    const producer = scriptedProducer();
    const { publisher: p, metrics } = publisher(producer);
    const signal = new AbortController().signal;
    // Keys over at least two partitions; the one of e-1 is left out of the broker's answer.
    const keys = [1, 2, 3, 4, 5, 6].map((n) => `e-${n}`);
    const lost = partitionOf('e-1');
    expect(new Set(keys.map(partitionOf)).size).toBeGreaterThan(1);
    const done = new Set<string>();
    for (const n of [1, 2, 3, 4, 5, 6]) void p.publish(message(n), signal).then(() => done.add(`e-${n}`));
    await vi.advanceTimersByTimeAsync(5);
    const first = producer.requests[0];
    first?.resolve(ackOf(keys.map(partitionOf).filter((partition) => partition !== lost)));
    await vi.advanceTimersByTimeAsync(0);
    expect(done.size).toBe(0);
    expect(await valueOf(metrics.receiptPublishErrors)).toBe(1);
    // Each record names the partition KafkaJS's default partitioner would pick for its key.
    expect(first?.record.messages.map((m) => m.partition)).toEqual(keys.map(partitionOf));
    await vi.advanceTimersByTimeAsync(100);
    expect(producer.requests).toHaveLength(2);
    // Only the unconfirmed partition's records again: the others are on the broker already.
    const again = producer.requests[1]?.record.messages.map((m) => m.key);
    expect(again).toEqual(keys.filter((key) => partitionOf(key) === lost));
    producer.requests[1]?.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect([...done].sort()).toEqual(keys);
    expect(await valueOf(metrics.receiptPublishErrors)).toBe(1);
  });

  it('when a send resolves with a partition but no baseOffset › that partition is not confirmed', async () => {
    const producer = scriptedProducer();
    const { publisher: p, metrics } = publisher(producer);
    let resolved = false;
    void p.publish(message(1), new AbortController().signal).then(() => (resolved = true));
    await vi.advanceTimersByTimeAsync(5);
    producer.requests[0]?.resolve([{ topicName: 'receipts', partition: partitionOf('e-1'), errorCode: 0 }]);
    await vi.advanceTimersByTimeAsync(100);
    expect(resolved).toBe(false);
    expect(producer.requests).toHaveLength(2);
    expect(await valueOf(metrics.receiptPublishErrors)).toBe(1);
  });

  it('when the partition count cannot be looked up › the attempt fails, is counted and retried; nothing resolves before', async () => {
    const producer = scriptedProducer();
    let lookups = 0;
    const partitionCount = async () => {
      lookups += 1;
      if (lookups === 1) throw new Error('metadata unavailable');
      return PARTITIONS;
    };
    const { publisher: p, metrics } = publisher(producer, { partitionCount });
    let resolved = false;
    void p.publish(message(1), new AbortController().signal).then(() => (resolved = true));
    await vi.advanceTimersByTimeAsync(5);
    expect(producer.requests).toHaveLength(0);
    expect(await valueOf(metrics.receiptPublishErrors)).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(producer.requests).toHaveLength(1);
    expect(resolved).toBe(false);
    producer.requests[0]?.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(resolved).toBe(true);
  });

  it('when a batch is acknowledged › the wait of each receipt from publish to acknowledgement is observed (the receipt delay)', async () => {
    const producer = scriptedProducer();
    const { metrics, publisher: p } = publisher(producer);
    const signal = new AbortController().signal;
    void p.publish(message(1), signal);
    await vi.advanceTimersByTimeAsync(2);
    void p.publish(message(2), signal);
    await vi.advanceTimersByTimeAsync(3);
    await vi.advanceTimersByTimeAsync(1_000);
    producer.requests[0]?.resolve();
    await vi.advanceTimersByTimeAsync(0);
    const { values } = await metrics.receiptPublishDelay.get();
    expect(values.find((v) => v.metricName?.endsWith('_count'))?.value).toBe(2);
    // 1 005 ms for the first, 1 003 ms for the second.
    expect(values.find((v) => v.metricName?.endsWith('_sum'))?.value).toBeCloseTo(2.008, 6);
    expect(values.find((v) => v.labels.le === 1)?.value).toBe(0);
    expect(values.find((v) => v.labels.le === 2.5)?.value).toBe(2);
  });
});
