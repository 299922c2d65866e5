import type { Message, Producer } from 'kafkajs';
import type { Logger } from '../platform/logger.js';
import { retryDelayMs } from '../platform/retry-policy.js';
import { sleep } from '../platform/sleep.js';

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
  /** The messages of the next attempt, read before each; none left: the publish ends (false). */
  messages(): readonly Message[];
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
 */
export async function produceUntilAcknowledged(o: ProduceLoopOptions, request: ProduceRequest): Promise<boolean> {
  const { signal, context } = request;
  const startedAt = Date.now();
  let stalled = false;
  /** Whether the attempt in flight was counted already (by the stall). */
  let attemptCounted = true;
  const countAttempt = () => {
    if (!attemptCounted) o.errors.inc();
    attemptCounted = true;
  };
  const timer = setTimeout(() => {
    stalled = true;
    countAttempt();
    o.stalledGauge.inc();
    o.stalls?.change(1);
    o.logger.error({ ...context, stallAfterMs: o.stallAfterMs }, `${o.what} publish stalled: not acknowledged in time (topic missing or not writable?); still waiting, its offsets cannot be committed`);
  }, o.stallAfterMs);
  timer.unref?.();
  try {
    for (let attempt = 1; ; attempt += 1) {
      signal.throwIfAborted();
      const messages = request.messages();
      if (messages.length === 0) return false;
      attemptCounted = false;
      try {
        await untilAborted(o.producer.send({ topic: o.topic, acks: -1, messages: [...messages] }), signal);
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
 * Waits for `work` unless `signal` aborts first. KafkaJS cannot cancel a send; an abandoned one may
 * still be acknowledged later, so a record can be published twice (at least once, never lost).
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
