import { serviceEnvFrom } from '../../dev/service-process.js';
import type { RecordingSink } from './recording-sink.js';

/** What the group benchmarks (scale events, SIGKILL) get from their runner. */
export interface GroupBenchContext {
  readonly brokers: readonly string[];
  readonly sink: RecordingSink;
  /** Where member logs go (one file per spawned process). */
  readonly logDir: string;
  readonly say: (line: string) => void;
}

export const BENCH_FROM = 'Bench <welcome@bench.test>';

/**
 * A member's environment: the service's own variables set in the runner's environment (TLS, SASL,
 * KAFKA_COMMIT_INTERVAL_MS …) pass through; the benchmark sets what it controls on top. LOG_LEVEL
 * is info: the KafkaJS group lines the benchmark reads are logged at info.
 */
export function memberEnv(
  ctx: GroupBenchContext,
  o: { topic: string; dlqTopic: string; groupId: string; workers: number; buffer: number; extra?: Record<string, string> },
): Record<string, string> {
  return {
    ...serviceEnvFrom(process.env),
    EMAIL_FROM: BENCH_FROM,
    LOG_LEVEL: 'info',
    KAFKA_BROKERS: ctx.brokers.join(','),
    KAFKA_TOPIC: o.topic,
    KAFKA_DLQ_TOPIC: o.dlqTopic,
    KAFKA_GROUP_ID: o.groupId,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(ctx.sink.port),
    EMAIL_WORKER_COUNT: String(o.workers),
    EMAIL_WORKER_BUFFER: String(o.buffer),
    ...o.extra,
  };
}
