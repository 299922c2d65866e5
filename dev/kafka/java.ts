import path from 'node:path';

import { LocalKafkaError } from './local-kafka-error.js';
import { isNotFound, runCommand } from './run-command.js';

/** Kafka 4.x brokers need Java 17 (KIP-1013). */
export const MIN_JAVA_MAJOR = 17;

/** `$JAVA_HOME/bin/java` when JAVA_HOME is set, like Kafka's own scripts; `java` from PATH otherwise. */
export function javaCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** Resolves the Java major version, or throws JAVA_MISSING / JAVA_TOO_OLD. */
export async function checkJava(java: string, signal?: AbortSignal): Promise<number> {
  let output: string;
  try {
    ({ output } = await runCommand(java, ['-version'], { signal }));
  } catch (error) {
    if (isNotFound(error)) {
      throw new LocalKafkaError(
        'JAVA_MISSING',
        `Java is not installed (${java} not found); the local Kafka broker needs Java ${MIN_JAVA_MAJOR}+ (apt-get install -y openjdk-17-jre-headless)`,
        { cause: error },
      );
    }
    throw error;
  }
  // `openjdk version "17.0.15" 2025-04-15`, or `"1.8.0_392"` for Java 8.
  const match = /version "(?:1\.)?(\d+)/.exec(output);
  const major = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  if (!(major >= MIN_JAVA_MAJOR)) {
    throw new LocalKafkaError(
      'JAVA_TOO_OLD',
      `${java} is Java ${Number.isNaN(major) ? '(unknown version)' : major}; the local Kafka broker needs Java ${MIN_JAVA_MAJOR}+`,
    );
  }
  return major;
}
