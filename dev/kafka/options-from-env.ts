import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Newest Kafka whose whole dependency tree is on Maven Central (4.4.0's kafka-tools-api is not published). */
export const DEFAULT_KAFKA_VERSION = '4.3.1';
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DEFAULT_KAFKA_DIR = path.join(PROJECT_ROOT, '.local', 'kafka');

/** Jars are cached per machine, outside the clone, so a fresh CI checkout skips Maven. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'email-dispatcher');
}

/** What the `LOCAL_KAFKA_*` variables can set (see LocalKafkaOptions for the rest). */
export interface LocalKafkaEnvOptions {
  /** PLAINTEXT listener on 127.0.0.1. @default 9092 */
  port?: number;
  /** KRaft controller listener on 127.0.0.1. @default 9093 */
  controllerPort?: number;
  /** State directory (data, logs, pid file). @default `<project>/.local/kafka` */
  dir?: string;
  /** @default DEFAULT_KAFKA_VERSION */
  version?: string;
  /** @default `${XDG_CACHE_HOME:-~/.cache}/email-dispatcher` */
  cacheDir?: string;
  /** num.partitions of the broker. @default 6 */
  partitions?: number;
  /** JVM -Xmx. @default '1g' */
  heap?: string;
  /** @default 60_000 */
  startTimeoutMs?: number;
}

/** The `LOCAL_KAFKA_*` variables, validated; unset ones are left out so the library defaults apply. */
export function localKafkaOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): LocalKafkaEnvOptions {
  const options: LocalKafkaEnvOptions = {};
  const port = intFromEnv(env, 'LOCAL_KAFKA_PORT', 1, 65_535);
  const controllerPort = intFromEnv(env, 'LOCAL_KAFKA_CONTROLLER_PORT', 1, 65_535);
  const partitions = intFromEnv(env, 'LOCAL_KAFKA_PARTITIONS', 1, 10_000);
  if (port !== undefined) options.port = port;
  if (controllerPort !== undefined) options.controllerPort = controllerPort;
  if (partitions !== undefined) options.partitions = partitions;
  const startTimeoutMs = intFromEnv(env, 'LOCAL_KAFKA_START_TIMEOUT_MS', 1_000, 600_000);
  if (startTimeoutMs !== undefined) options.startTimeoutMs = startTimeoutMs;
  if (env.LOCAL_KAFKA_DIR) options.dir = path.resolve(env.LOCAL_KAFKA_DIR);
  if (env.LOCAL_KAFKA_VERSION) {
    if (!/^\d+\.\d+\.\d+$/.test(env.LOCAL_KAFKA_VERSION)) {
      throw new Error(`LOCAL_KAFKA_VERSION must look like 4.3.1, got "${env.LOCAL_KAFKA_VERSION}"`);
    }
    options.version = env.LOCAL_KAFKA_VERSION;
  }
  if (env.LOCAL_KAFKA_CACHE_DIR) options.cacheDir = path.resolve(env.LOCAL_KAFKA_CACHE_DIR);
  if (env.LOCAL_KAFKA_HEAP) {
    if (!/^\d+[mg]$/i.test(env.LOCAL_KAFKA_HEAP)) throw new Error(`LOCAL_KAFKA_HEAP must look like 1g or 512m, got "${env.LOCAL_KAFKA_HEAP}"`);
    options.heap = env.LOCAL_KAFKA_HEAP;
  }
  return options;
}

export function intFromEnv(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}
