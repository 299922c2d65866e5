import type { KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import { Registry } from 'prom-client';

import { signupEvent } from '../../dev/signup-event.js';
import { Dispatcher } from '../../src/delivery/dispatcher.js';
import type { UnmappedEventTypes } from '../../src/delivery/dispatcher-options.js';
import type { SendRate } from '../../src/delivery/rate/send-rate.js';
import type { WelcomeEmail } from '../../src/email/render-welcome-email.js';
import { toConsumedRecord } from '../../src/intake/to-consumed-record.js';
import { noLedger, type SentLedger } from '../../src/ledger/sent-ledger.js';
import { Capacity } from '../../src/pipeline/capacity.js';
import type { EventRoutes } from '../../src/pipeline/event-routes.js';
import type { ConsumedRecord, Outcome } from '../../src/pipeline/outcome.js';
import { createMetrics } from '../../src/platform/metrics.js';
import type { Mailer } from '../../src/smtp/mailer.js';
import { CircuitBreaker } from '../../src/smtp/relays/circuit-breaker.js';
import { stubPrepared } from './stub-prepared.js';

export const silentLogger = pino({ level: 'silent' });

let nextOffset = 0;

/** {@link signupEvent} as the bytes of a Kafka value. */
export function signupValue(eventId: string, overrides: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify(signupEvent(eventId, overrides)));
}

export function record(
  value: Buffer | null,
  { partition = 0, offset = nextOffset++, topic = 'signups', routes }: { partition?: number; offset?: number; topic?: string; routes?: EventRoutes } = {},
): ConsumedRecord {
  const message = {
    key: Buffer.from('k'),
    value,
    headers: { trace: Buffer.from('t-1') },
    timestamp: '1700000000000',
    attributes: 0,
    offset: String(offset),
  } as unknown as KafkaMessage;
  return toConsumedRecord(message, { topic, partition, offset: BigInt(offset), epoch: 1 }, routes);
}

export type Behaviour = (mail: WelcomeEmail, attempt: number) => Promise<void> | void;

/** A scripted mailer: `behaviour` decides each attempt; `attempts` records when each happened. */
export function scriptedMailer(behaviour: Behaviour = () => {}) {
  const attempts: Array<{ messageId: string; at: number }> = [];
  const perMessage = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const mailer: Mailer & { attempts: typeof attempts; maxInFlight(): number; verify: () => Promise<void> } = {
    attempts,
    maxInFlight: () => maxInFlight,
    prepare: async (mail) => stubPrepared(mail),
    async send({ mail }) {
      const n = (perMessage.get(mail.messageId) ?? 0) + 1;
      perMessage.set(mail.messageId, n);
      attempts.push({ messageId: mail.messageId, at: Date.now() });
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await behaviour(mail, n);
      } finally {
        inFlight -= 1;
      }
    },
    verify: async () => {},
    close() {},
  };
  return mailer;
}

export function smtpError(responseCode: number | undefined, code = responseCode ? 'EENVELOPE' : 'ECONNECTION'): Error {
  return Object.assign(new Error(`${responseCode ?? ''} simulated`), { responseCode, code });
}

export function buildDispatcher({
  mailer,
  workerCount = 4,
  buffer = 100,
  maxRetries = 3,
  delaysMs = [1000, 5000, 10000],
  ledger = noLedger,
  breakerThreshold = 1000,
  probe = async () => {},
  settle,
  sendRate,
  unmappedEventTypes,
}: {
  mailer: Mailer;
  workerCount?: number;
  buffer?: number;
  maxRetries?: number;
  delaysMs?: number[];
  ledger?: SentLedger;
  breakerThreshold?: number;
  probe?: () => Promise<unknown>;
  /** Replaces the recording settle (it still records). */
  settle?: (record: ConsumedRecord, outcome: Outcome, signal: AbortSignal) => Promise<void>;
  /** A cluster send rate (EMAIL_RATE_LIMIT_SCOPE=cluster). */
  sendRate?: SendRate;
  /** EMAIL_UNMAPPED_EVENT_TYPES. @default the dispatcher's (dlq) */
  unmappedEventTypes?: UnmappedEventTypes;
}) {
  const metrics = createMetrics({ registry: new Registry(), defaults: false });
  const capacity = new Capacity(buffer);
  const outcomes: Array<{ record: ConsumedRecord; outcome: Outcome }> = [];
  const fatal: unknown[] = [];
  const breaker: CircuitBreaker = new CircuitBreaker({
    threshold: breakerThreshold,
    probeIntervalMs: 500,
    probe,
    onChange: (state) => (state === 'open' ? dispatcher.hold('circuit') : dispatcher.unhold('circuit')),
  });
  const dispatcher: Dispatcher = new Dispatcher({
    mailer,
    ledger,
    breaker,
    capacity,
    policy: { maxRetries, delaysMs },
    workerCount,
    rateLimitPerSecond: 0,
    ...(sendRate ? { sendRate } : {}),
    ...(unmappedEventTypes ? { unmappedEventTypes } : {}),
    email: { from: 'Acme <welcome@acme.test>', domain: 'acme.test' },
    settle: async (r, outcome, signal) => {
      await settle?.(r, outcome, signal);
      outcomes.push({ record: r, outcome });
    },
    onFatal: (failure) => fatal.push(failure),
    metrics,
    logger: silentLogger,
  });
  const submit = (r: ConsumedRecord) => {
    if (!capacity.tryAcquire()) throw new Error('test buffer full');
    dispatcher.submit(r);
  };
  return { dispatcher, capacity, breaker, metrics, outcomes, fatal, submit };
}
