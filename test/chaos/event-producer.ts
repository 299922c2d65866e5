import type { Kafka, Producer, RecordMetadata } from 'kafkajs';

import { signupEvent } from '../../dev/signup-event.js';
import type { ProducedEvent, ProducedStatus } from './history.js';
import type { Prng } from './prng.js';

export interface EventProducerOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  /** eventIds are `chaos-<runId>-<n>`. */
  readonly runId: string;
  readonly prng: Prng;
  readonly ratePerSecond: number;
  readonly invalidShare: number;
  readonly transactionShare: { readonly commit: number; readonly abort: number };
  /** Partitions the producer may write to now (grows when partitions are added). */
  readonly partitions: () => number;
  readonly log: (line: string) => void;
}

export interface ProducerStats {
  plainBatches: number;
  committedTransactions: number;
  abortedTransactions: number;
  /** Produces, commits or aborts that failed: their records are `uncertain`. */
  failedBatches: number;
  /** Records an acknowledgement resolved without an answer for their partition (tulios/kafkajs#1303): `uncertain`. */
  unansweredRecords: number;
}

export interface EventProducer {
  /** Every event handed to a producer, with what the broker said about it. */
  readonly produced: readonly ProducedEvent[];
  readonly stats: Readonly<ProducerStats>;
  /** Finishes the batch in progress (a transaction is committed or aborted), then disconnects. */
  stop(): Promise<void>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const BATCH_INTERVAL_MS = 100;
/** Behind by more than this (a stall), the producer skips ahead instead of catching up. */
const MAX_CATCH_UP_MS = 2_000;
/** Batches in the first seconds that are always a committed / an aborted transaction, so every run has both. */
const FIRST_COMMIT_BATCH = 10;
const FIRST_ABORT_BATCH = 20;

/**
 * Sign-up events at a steady rate, each with a unique eventId, to explicit partitions: plain
 * idempotent produces, and now and then a transaction over two partitions that is committed or
 * aborted (KafkaJS transactional producer, `idempotent: true`). A produce that fails leaves its
 * records `uncertain`; reading the topic back decides whether they were written.
 */
export async function startEventProducer(o: EventProducerOptions): Promise<EventProducer> {
  const retry = { retries: 6, initialRetryTime: 300, maxRetryTime: 3_000 };
  // A short metadata age: partitions added mid-run are seen within seconds.
  const newPlain = (): Producer => o.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry, metadataMaxAge: 3_000 });
  let plain: Producer | undefined = newPlain();
  await plain.connect();
  const newTransactional = (): Producer =>
    o.kafka.producer({
      transactionalId: `chaos-${o.runId}-tx`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 15_000,
      allowAutoTopicCreation: false,
      retry,
      metadataMaxAge: 3_000,
    });
  let transactional: Producer | undefined = newTransactional();
  await transactional.connect();
  const connected = async (fresh: Producer): Promise<Producer> => {
    try {
      await fresh.connect();
      return fresh;
    } catch (err) {
      await fresh.disconnect().catch(() => undefined);
      throw err;
    }
  };

  const produced: Array<Mutable<ProducedEvent>> = [];
  const stats: ProducerStats = { plainBatches: 0, committedTransactions: 0, abortedTransactions: 0, failedBatches: 0, unansweredRecords: 0 };
  let seq = 0;
  let stopped = false;

  const nextEvents = (count: number, allowInvalid: boolean) =>
    Array.from({ length: count }, () => {
      const n = seq++;
      const eventId = `chaos-${o.runId}-${n}`;
      const invalid = allowInvalid && o.prng.chance(o.invalidShare);
      const event: Mutable<ProducedEvent> = { eventId, status: 'uncertain', invalid };
      const value = JSON.stringify(
        signupEvent(eventId, { user: { id: `user-${n % 1000}`, email: invalid ? 'not-an-address' : `${eventId}@chaos.test`, name: `Chaos ${n}` } }),
      );
      return { event, message: { key: `user-${n % 1000}`, value, partition: o.prng.int(0, o.partitions() - 1) } };
    });

  /**
   * Offsets from the acknowledgement: a partition's messages of one request are appended in order. A
   * partition the acknowledgement has no answer for stays uncertain (due only if read back): KafkaJS
   * 2.2.4 resolves a send whose partition moved to a broker that had already answered for others
   * without sending it again (tulios/kafkajs#1303; its sendMessages keeps the earlier response).
   */
  const place = (batch: ReturnType<typeof nextEvents>, metadata: RecordMetadata[], status: ProducedStatus): void => {
    const base = new Map(metadata.flatMap((m) => (m.baseOffset === undefined || m.baseOffset === null ? [] : [[m.partition, BigInt(m.baseOffset)] as const])));
    const seen = new Map<number, bigint>();
    for (const { event, message } of batch) {
      const start = base.get(message.partition);
      const index = seen.get(message.partition) ?? 0n;
      seen.set(message.partition, index + 1n);
      event.partition = message.partition;
      if (start === undefined && status !== 'aborted') {
        event.status = 'uncertain';
        stats.unansweredRecords += 1;
        continue;
      }
      event.status = status;
      if (start !== undefined) event.offset = start + index;
    }
  };

  async function sendPlain(count: number): Promise<void> {
    const batch = nextEvents(count, true);
    produced.push(...batch.map((b) => b.event));
    try {
      plain ??= await connected(newPlain());
      place(batch, await plain.send({ topic: o.topic, acks: -1, messages: batch.map((b) => b.message) }), 'acked');
      stats.plainBatches += 1;
    } catch (err) {
      stats.failedBatches += 1;
      o.log(`producer: a plain batch of ${batch.length} failed, its records are uncertain (${(err as Error).message})`);
      // KafkaJS rewinds the partition's sequence number after a failed produce. If the broker did
      // append that batch, the next batch of the same size reuses its sequence numbers and is
      // answered as a duplicate: acknowledged and dropped. A new producer (new producer id) cannot.
      const broken = plain;
      plain = undefined;
      await broken?.disconnect().catch(() => undefined);
    }
  }

  async function sendTransaction(outcome: 'commit' | 'abort', count: number): Promise<void> {
    const batch = nextEvents(count, false);
    // Two partitions at least, so the transaction spans partitions (when there are two).
    if (o.partitions() > 1 && batch.length > 1 && batch.every((b) => b.message.partition === batch[0]?.message.partition)) {
      const last = batch[batch.length - 1] as (typeof batch)[number];
      last.message.partition = (last.message.partition + 1) % o.partitions();
    }
    produced.push(...batch.map((b) => b.event));
    try {
      transactional ??= await connected(newTransactional());
      const txn = await transactional.transaction();
      const metadata = await txn.send({ topic: o.topic, acks: -1, messages: batch.map((b) => b.message) });
      if (outcome === 'commit') await txn.commit();
      else await txn.abort();
      place(batch, metadata, outcome === 'commit' ? 'committed' : 'aborted');
      if (outcome === 'commit') stats.committedTransactions += 1;
      else stats.abortedTransactions += 1;
    } catch (err) {
      stats.failedBatches += 1;
      o.log(`producer: a transaction (${outcome}) of ${batch.length} failed, its records are uncertain (${(err as Error).message})`);
      // A fresh producer with the same transactional.id fences this one and aborts what it left open.
      const broken = transactional;
      transactional = undefined;
      await broken?.disconnect().catch(() => undefined);
    }
  }

  const loop = (async () => {
    // Each batch takes every event due by now: a slow acknowledgement (a loaded machine, a transaction's
    // extra round trips) makes batches bigger instead of the rate lower.
    let start = performance.now();
    let sent = 0;
    const catchUp = Math.max(1, Math.round(o.ratePerSecond * (MAX_CATCH_UP_MS / 1000)));
    for (let batch = 0; !stopped;) {
      const wanted = Math.floor(((performance.now() - start) / 1000) * o.ratePerSecond);
      if (wanted <= sent) {
        await new Promise((resolve) => setTimeout(resolve, BATCH_INTERVAL_MS));
        continue;
      }
      let count = wanted - sent;
      if (count > catchUp) {
        // After a long stall (broker down) carry on at the rate instead of catching up in a flood.
        count = Math.max(1, Math.round((o.ratePerSecond * BATCH_INTERVAL_MS) / 1000));
        start = performance.now() - ((sent + count) / o.ratePerSecond) * 1000;
      }
      const roll = o.prng.next();
      const kind =
        batch === FIRST_COMMIT_BATCH
          ? 'commit'
          : batch === FIRST_ABORT_BATCH
            ? 'abort'
            : roll < o.transactionShare.commit
              ? 'commit'
              : roll < o.transactionShare.commit + o.transactionShare.abort
                ? 'abort'
                : 'plain';
      if (kind === 'plain') await sendPlain(count);
      else await sendTransaction(kind, count);
      sent += count;
      batch += 1;
    }
  })();

  let stopping: Promise<void> | undefined;
  return {
    produced,
    stats,
    stop() {
      stopping ??= (async () => {
        stopped = true;
        await loop;
        await plain?.disconnect().catch(() => undefined);
        await transactional?.disconnect().catch(() => undefined);
      })();
      return stopping;
    },
  };
}
