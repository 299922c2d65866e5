/**
 * npm run kafka -- start|stop|status|create-topics
 *
 * A local single-node Kafka broker without Docker (see dev/local-kafka.ts). Environment:
 *   LOCAL_KAFKA_PORT (9092), LOCAL_KAFKA_CONTROLLER_PORT (9093), LOCAL_KAFKA_DIR (.local/kafka),
 *   LOCAL_KAFKA_VERSION (4.3.1), LOCAL_KAFKA_PARTITIONS (6), LOCAL_KAFKA_HEAP (1g),
 *   LOCAL_KAFKA_CACHE_DIR (~/.cache/email-dispatcher), LOCAL_KAFKA_START_TIMEOUT_MS (60000), KAFKA_TOPIC (user-signups),
 *   KAFKA_DLQ_TOPIC (user-signups.dlq).
 * Failures print one line and exit 1.
 */
import { createTopics, ensureKafka, kafkaStatus, LocalKafkaError, localKafkaOptionsFromEnv, stopKafka } from '../dev/local-kafka.js';
import { fixKafkaJsNegativeTimeout } from '../src/platform/kafka/kafkajs-negative-timeout.js';

// Node 24 warns about a negative timer in KafkaJS 2.2.4 on every connection (tulios/kafkajs#1751).
fixKafkaJsNegativeTimeout();

const USAGE = 'usage: npm run kafka -- start|stop|status|create-topics';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort(new Error('interrupted')));

async function main(command: string | undefined): Promise<number> {
  const options = localKafkaOptionsFromEnv(process.env);
  const log = (message: string): void => console.log(`local-kafka: ${message}`);
  switch (command) {
    case 'start': {
      const kafka = await ensureKafka({ ...options, log, signal: controller.signal });
      console.log(`KAFKA_BROKERS=${kafka.brokers.join(',')}`);
      return 0;
    }
    case 'stop': {
      const result = await stopKafka({ dir: options.dir, log });
      if (result === 'not-running') log('not running');
      return 0;
    }
    case 'status': {
      const status = await kafkaStatus({ dir: options.dir });
      log(
        status.state === 'stopped'
          ? `stopped (${status.dir})`
          : `${status.state}, pid ${status.pid}, brokers ${status.brokers?.join(',')}, log ${status.logFile}`,
      );
      return status.state === 'running' ? 0 : 3;
    }
    case 'create-topics': {
      const brokers = process.env.KAFKA_BROKERS?.split(',') ?? [`127.0.0.1:${options.port ?? 9092}`];
      const partitions = options.partitions ?? 6;
      const topics = [process.env.KAFKA_TOPIC || 'user-signups', process.env.KAFKA_DLQ_TOPIC || 'user-signups.dlq'];
      const result = await createTopics({ brokers, topics: topics.map((name) => ({ name, partitions })), signal: controller.signal });
      for (const name of result.created) log(`created topic ${name} (${partitions} partitions)`);
      for (const name of result.existing) log(`topic ${name} already exists`);
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // One line, no stack: these are expected operator errors (Java missing, port taken, ...).
    console.error(`local-kafka: ${error instanceof Error ? error.message : String(error)}`);
    if (!(error instanceof LocalKafkaError) && process.env.LOCAL_KAFKA_DEBUG) console.error(error);
    process.exit(1);
  },
);
