/**
 * SCRAM credentials on the local KRaft broker, set with Kafka's own tools: at format time
 * (`kafka-storage format --add-scram`) and on the running broker (`kafka-configs --alter`).
 */
import path from 'node:path';

import { javaCommand } from './java.js';
import { resolveKafkaJars } from './kafka-jars.js';
import { LocalKafkaError } from './local-kafka-error.js';
import { DEFAULT_KAFKA_VERSION, defaultCacheDir } from './options-from-env.js';
import { runCommand } from './run-command.js';

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface ScramUser {
  readonly mechanism: ScramMechanism;
  readonly user: string;
  readonly password: string;
}

// Kafka's `key=[name=…,password=…]` syntax has no escaping: keep test credentials to safe characters.
const SAFE = /^[A-Za-z0-9._-]+$/;

function credential({ mechanism, user, password }: ScramUser, withName: boolean): string {
  if (!SAFE.test(user) || !SAFE.test(password))
    throw new RangeError(`SCRAM user and password must match ${SAFE.source} (Kafka's config syntax has no escaping)`);
  return `${mechanism}=[${withName ? `name=${user},` : ''}password=${password}]`;
}

/** `--add-scram` arguments of `kafka-storage format` for these users. */
export function scramFormatArguments(users: readonly ScramUser[]): string[] {
  return users.flatMap((user) => ['--add-scram', credential(user, true)]);
}

export interface AlterScramOptions extends ScramUser {
  /** A PLAINTEXT listener of the broker, e.g. `127.0.0.1:9092`. */
  readonly bootstrap: string;
  /** @default DEFAULT_KAFKA_VERSION */
  readonly version?: string;
  /** @default defaultCacheDir() */
  readonly cacheDir?: string;
  readonly signal?: AbortSignal;
}

/** Creates the user's credential for `mechanism`, or replaces its password, on the running broker. */
export async function alterScramPassword(o: AlterScramOptions): Promise<void> {
  const lib = await resolveKafkaJars({
    version: o.version ?? DEFAULT_KAFKA_VERSION,
    cacheDir: o.cacheDir ?? defaultCacheDir(),
    log: () => undefined,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const args = [
    '-cp',
    path.join(lib, '*'),
    'kafka.admin.ConfigCommand',
    '--bootstrap-server',
    o.bootstrap,
    '--alter',
    '--entity-type',
    'users',
    '--entity-name',
    o.user,
    '--add-config',
    credential(o, false),
  ];
  const result = await runCommand(javaCommand(), args, o.signal ? { signal: o.signal } : {});
  if (result.code !== 0) {
    throw new LocalKafkaError(
      'BROKER_EXITED',
      `kafka-configs could not set the ${o.mechanism} password of ${o.user}: ${result.output.trim().split('\n').at(-1) ?? ''}`,
    );
  }
}
