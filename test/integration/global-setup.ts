/**
 * Integration tests get a real Kafka broker: the one named by KAFKA_BROKERS, or else a local one
 * (dev/local-kafka.ts) on its own ports and data dir, so it never collides with `npm run kafka start`.
 * Tests read it with inject('kafkaBrokers'); it is deliberately not put in process.env, where it would
 * leak into every child process a test spawns (the demo, the service) and override their own config.
 * A broker started here is stopped in teardown; LOCAL_KAFKA_KEEP=1 leaves it running for fast re-runs
 * (the next run reuses it). LOCAL_KAFKA_TEST_PORT / LOCAL_KAFKA_TEST_CONTROLLER_PORT move it.
 */
import '../support/kafkajs-fix.js';

import path from 'node:path';

import type { TestProject } from 'vitest/node';

import { intFromEnv, PROJECT_ROOT } from '../../dev/kafka/options-from-env.js';
import { ensureKafka } from '../../dev/local-kafka.js';

/** Not the dev broker's 9092/9093, so tests run while `npm run kafka start` is up. */
export const TEST_KAFKA_PORT = intFromEnv(process.env, 'LOCAL_KAFKA_TEST_PORT', 1, 65_535) ?? 19092;
export const TEST_KAFKA_CONTROLLER_PORT = intFromEnv(process.env, 'LOCAL_KAFKA_TEST_CONTROLLER_PORT', 1, 65_535) ?? 19093;
export const TEST_KAFKA_DIR = path.join(PROJECT_ROOT, '.local', 'kafka-test');

declare module 'vitest' {
  export interface ProvidedContext {
    /** Bootstrap brokers for integration tests, e.g. `['127.0.0.1:19092']`. */
    kafkaBrokers: string[];
    /** State dir of the local broker the tests run against; null when KAFKA_BROKERS named an external one. */
    localKafkaDir: string | null;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external) {
    project.provide(
      'kafkaBrokers',
      external.split(',').map((broker) => broker.trim()),
    );
    project.provide('localKafkaDir', null);
    return undefined;
  }

  const kafka = await ensureKafka({
    port: TEST_KAFKA_PORT,
    controllerPort: TEST_KAFKA_CONTROLLER_PORT,
    dir: TEST_KAFKA_DIR,
    fresh: true,
    log: (message) => console.log(`[kafka] ${message}`),
  });
  project.provide('kafkaBrokers', kafka.brokers);
  project.provide('localKafkaDir', TEST_KAFKA_DIR);

  return async () => {
    if (!process.env.LOCAL_KAFKA_KEEP) await kafka.stop();
  };
}
