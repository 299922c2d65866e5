import type { Message, Producer, RecordMetadata } from 'kafkajs';
import type { Logger } from 'pino';

import { untilAborted } from '../../platform/abortable-wait.js';
import { retryDelayMs } from '../../platform/retry-policy.js';
import { sleep } from '../../platform/sleep.js';

/**
 * How many publishes (DLQ records, receipt batches) are past their bound right now: what /readyz
 * and /livez read. `onChange` runs on every change (readiness re-computes).
 */
export class StalledPublishes {
  #count = 0;

  constructor(private readonly onChange: () => void = () => {}) {}

  get count(): number {
    return this.#count;
  }

  change(delta: 1 | -1): void {
    this.#count += delta;
    this.onChange();
  }
}

export interface ProduceLoopOptions {
  readonly producer: Pick<Producer, 'send'>;
  readonly topic: string;
  /** What is published, for log lines: `DLQ`, `receipt`. */
  readonly what: string;
  /**
   * A publish not acknowledged this long after its first attempt is stalled: counted as a failed
   * attempt, logged once, shown in `stalledGauge` and `stalls` until it ends.
   */
  readonly stallAfterMs: number;
  /** Backoff between failed produce attempts; the last one repeats. @default [250, 1000, 5000] */
  readonly backoffMs?: readonly number[];
  /** Produce attempts that failed or went unacknowledged past the bound (each counted once). */
  readonly errors: { inc(): void };
  /** Publishes of this kind stalled right now. */
  readonly stalledGauge: { inc(): void; dec(): void };
  readonly stalls?: StalledPublishes;
  readonly logger: Logger;
}

export interface ProduceRequest {
  /**
   * The messages of the next attempt, read before each (a failure counts as a failed attempt); none
   * left: the publish ends (false). A message that names its `partition` counts as acknowledged only
   * once the broker's answer holds that partition with a baseOffset; the loop keeps track of that by
   * the message object, so return the same objects on every attempt.
   */
  messages(): readonly Message[] | Promise<readonly Message[]>;
  /** Ends the wait (rejects with its reason); KafkaJS cannot cancel a send already made. */
  readonly signal: AbortSignal;
  /** Log fields saying what the publish is for (never an address). */
  readonly context: Readonly<Record<string, unknown>>;
  /** A refusal the caller fixes by changing the messages (the DLQ drops an oversize value): true to try again at once, uncounted. */
  repair?(err: unknown): boolean;
}

/**
 * The one produce loop of the DLQ and receipt publishers: acks from all in-sync replicas, retried
 * with backoff until acknowledged; true once acknowledged, false when `messages()` has none left.
 * KafkaJS retries a missing or unwritable topic inside `send()` for ever (its metadata errors are
 * retriable, and the idempotent producer must retry without limit), so that wait is bounded here:
 * past `stallAfterMs` the publish is a named state (counter, one log line, gauge, /readyz) while the
 * same send goes on being awaited. A second send beside it would only publish the records twice.
 *
 * A resolved `send()` is not proof for every partition of a multi-partition batch: when a request to
 * one broker fails and KafkaJS retries, it re-sends only to brokers without an answer yet, so the
 * records of a partition whose leader moved to a broker that had already answered are never written,
 * and the partition is simply absent from the returned metadata. Records that name their partition
 * are therefore checked against that metadata; unconfirmed ones are sent again (a failed attempt).
 */
export async function produceUntilAcknowledged(o: ProduceLoopOptions, request: ProduceRequest): Promise<boolean> {
  const { signal, context } = request;
  const startedAt = Date.now();
  let stalled = false;
  /** Whether the attempt in flight was counted already (by the stall). */
  let attemptCounted = true;
  const confirmed = new WeakSet<Message>();
  const countAttempt = () => {
    if (!attemptCounted) o.errors.inc();
    attemptCounted = true;
  };
  const timer = setTimeout(() => {
    stalled = true;
    countAttempt();
    o.stalledGauge.inc();
    o.stalls?.change(1);
    o.logger.error(
      { ...context, stallAfterMs: o.stallAfterMs },
      `${o.what} publish stalled: not acknowledged in time (topic missing or not writable?); still waiting, its offsets cannot be committed`,
    );
  }, o.stallAfterMs);
  timer.unref?.();
  try {
    for (let attempt = 1; ; attempt += 1) {
      signal.throwIfAborted();
      attemptCounted = false;
      try {
        const all = await untilAborted(Promise.resolve(request.messages()), signal);
        const messages = all.filter((m) => !confirmed.has(m));
        if (messages.length === 0) {
          attemptCounted = true;
          // Every live record is on the broker (the rest were abandoned), or none is left at all.
          return all.length > 0;
        }
        const metadata = await untilAborted(o.producer.send({ topic: o.topic, acks: -1, messages: [...messages] }), signal);
        const missing = unconfirmedPartitions(o.topic, messages, metadata, confirmed);
        if (missing.length > 0)
          throw new Error(`the broker's answer does not confirm partition(s) ${missing.join(', ')} of ${o.topic} (leader moved?); sending their records again`);
        attemptCounted = true;
        if (stalled) o.logger.info({ ...context, afterMs: Date.now() - startedAt }, `stalled ${o.what} publish acknowledged`);
        return true;
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        if (request.repair?.(err)) {
          attemptCounted = true;
          continue;
        }
        countAttempt();
        o.logger.error({ err, ...context, attempt }, `${o.what} produce failed; retrying (offsets not committed)`);
        await sleep(retryDelayMs({ maxRetries: Number.POSITIVE_INFINITY, delaysMs: o.backoffMs ?? [250, 1000, 5000] }, attempt), signal);
      }
    }
  } finally {
    clearTimeout(timer);
    if (stalled) {
      o.stalledGauge.dec();
      o.stalls?.change(-1);
    }
  }
}

/**
 * Marks the messages the metadata confirms (their partition present with a baseOffset) and returns
 * the partitions it does not. A message without an explicit partition is confirmed by a resolved
 * send: only single-record sends (the DLQ) leave it out, and one record goes to one broker, whose
 * retry is always made against the partition's current leader.
 */
function unconfirmedPartitions(
  topic: string,
  messages: readonly Message[],
  metadata: readonly RecordMetadata[] | undefined,
  confirmed: WeakSet<Message>,
): number[] {
  const written = new Set(
    (metadata ?? []).filter((m) => m.topicName === topic && m.errorCode === 0 && m.baseOffset !== undefined && m.baseOffset !== '-1').map((m) => m.partition),
  );
  const missing = new Set<number>();
  for (const message of messages) {
    if (message.partition === undefined || written.has(message.partition)) confirmed.add(message);
    else missing.add(message.partition);
  }
  return [...missing];
}
