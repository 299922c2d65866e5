import { EventEmitter } from 'node:events';

import { type Consumer, Kafka, logLevel } from 'kafkajs';

import type { GroupConsumer } from '../../src/intake/consumer-lifecycle-options.js';

/** The event names of a real KafkaJS consumer (never connected). */
export const CONSUMER_EVENTS = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING }).consumer({ groupId: 'events' }).events;

/**
 * A consumer that emits KafkaJS's instrumentation events with the payload shapes KafkaJS 2.2 emits
 * (see kafkajs src/consumer/consumerGroup.js, runner.js, index.js). `pause`/`resume` record calls and
 * throw like KafkaJS does while its consumer group is being rebuilt after a crash.
 */
export function fakeConsumer() {
  const emitter = new EventEmitter();
  let id = 0;
  let initialized = true;
  const calls: Array<{ op: 'pause' | 'resume'; topics: Array<{ topic: string; partitions?: number[] }> }> = [];
  const notInitialized = () => new Error('Consumer group was not initialized, consumer#run must be called first');
  const consumer: GroupConsumer = {
    events: CONSUMER_EVENTS,
    on: ((event: string, listener: (e: unknown) => void) => {
      emitter.on(event, listener);
      return () => emitter.off(event, listener);
    }) as Consumer['on'],
    pause: (topics) => {
      if (!initialized) throw notInitialized();
      calls.push({ op: 'pause', topics });
    },
    resume: (topics) => {
      if (!initialized) throw notInitialized();
      calls.push({ op: 'resume', topics });
    },
  };
  const emit = (type: string, payload: unknown) => emitter.emit(type, { id: id++, type, timestamp: Date.now(), payload });
  return {
    consumer,
    calls,
    /** Between a CRASH with restart and the rebuilt group's join, KafkaJS refuses pause/resume. */
    setInitialized: (value: boolean) => (initialized = value),
    join: (assignment: Record<string, number[]>, memberId = 'member-1') =>
      emit(CONSUMER_EVENTS.GROUP_JOIN, {
        duration: 5,
        groupId: 'g',
        isLeader: true,
        leaderId: memberId,
        groupProtocol: 'RoundRobinAssigner',
        memberId,
        memberAssignment: assignment,
      }),
    rebalancing: () => emit(CONSUMER_EVENTS.REBALANCING, { groupId: 'g', memberId: 'member-1' }),
    crash: (error: Error, restart: boolean) => emit(CONSUMER_EVENTS.CRASH, { error, groupId: 'g', restart }),
    heartbeat: () => emit(CONSUMER_EVENTS.HEARTBEAT, { groupId: 'g', memberId: 'member-1', groupGenerationId: 1 }),
    /** A request the consumer's connections completed (KafkaJS emits it as the response arrives, error code or not). */
    request: (apiName: string, apiKey: number) =>
      emit(CONSUMER_EVENTS.REQUEST, {
        broker: '127.0.0.1:9092',
        clientId: 'c',
        correlationId: id,
        size: 64,
        createdAt: Date.now(),
        sentAt: Date.now(),
        pendingDuration: 0,
        duration: 1,
        apiName,
        apiKey,
        apiVersion: 2,
      }),
    endBatch: (p: { topic: string; partition: number; batchSize: number; firstOffset: string | null; lastOffset: string }) =>
      emit(CONSUMER_EVENTS.END_BATCH_PROCESS, { highWatermark: p.lastOffset, offsetLag: '0', offsetLagLow: '0', duration: 1, ...p }),
    commitOffsets: (topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>) =>
      emit(CONSUMER_EVENTS.COMMIT_OFFSETS, { groupId: 'g', memberId: 'member-1', groupGenerationId: 1, topics }),
  };
}

/** A KafkaJS protocol error as the client raises it (type from the broker's error code). */
export function kafkaError(
  type: 'REBALANCE_IN_PROGRESS' | 'UNKNOWN_MEMBER_ID' | 'ILLEGAL_GENERATION' | 'NOT_COORDINATOR_FOR_GROUP' | 'FENCED_INSTANCE_ID',
): Error {
  return Object.assign(new Error(`broker says ${type}`), { name: 'KafkaJSProtocolError', type, retriable: type !== 'FENCED_INSTANCE_ID' });
}
