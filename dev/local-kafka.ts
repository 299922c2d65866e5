/**
 * A real single-node Kafka broker (KRaft, broker and controller in one JVM) for local dev, tests, the
 * demo and the load test, without Docker: the broker's jars come from Maven Central through
 * dev/kafka/pom.xml and run with the machine's Java 17+.
 *
 * Layout of `dir` (default `.local/kafka`): server.properties, broker.pid, data/, logs/server.log.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { isBrokerProcess, readPidFile, removePidFile, sendSignal, waitForExit, writePidFile } from './kafka/broker-process.js';
import { checkJava, javaCommand } from './kafka/java.js';
import { resolveKafkaJars } from './kafka/kafka-jars.js';
import { LocalKafkaError } from './kafka/local-kafka-error.js';
import { DEFAULT_KAFKA_DIR, DEFAULT_KAFKA_VERSION, defaultCacheDir, type LocalKafkaEnvOptions } from './kafka/options-from-env.js';
import { canConnect, isPortFree } from './kafka/port.js';
import { runCommand } from './kafka/run-command.js';
import { scramFormatArguments, type ScramUser } from './kafka/scram-users.js';
import { type ClusterNodeSettings, listenerPort, serverProperties, type TlsListener } from './kafka/server-properties.js';
import { waitForBroker } from './kafka/wait-for-broker.js';

export { createTopics, type CreateTopicsOptions, type CreateTopicsResult, type TopicSpec } from './kafka/create-topics.js';
export { LocalKafkaError, type LocalKafkaErrorCode } from './kafka/local-kafka-error.js';
export { DEFAULT_KAFKA_VERSION, type LocalKafkaEnvOptions, localKafkaOptionsFromEnv } from './kafka/options-from-env.js';
export { alterScramPassword, type ScramMechanism, type ScramUser } from './kafka/scram-users.js';
export type { TlsListener } from './kafka/server-properties.js';

const LOG4J_CONFIG = fileURLToPath(new URL('kafka/log4j2.xml', import.meta.url));

/** The env-settable options (ports, dir, version, cache, partitions, heap, start timeout) and these. */
export interface LocalKafkaOptions extends LocalKafkaEnvOptions {
  /** Also listen with SASL/PLAIN on this port for these users (tests of KAFKA_SASL_*). @default none */
  sasl?: { port: number; users: Record<string, string> };
  /** Also listen with TLS (SSL, mutual TLS, SASL_SSL with SCRAM) on these listeners (tests of KAFKA_SSL_*). @default none */
  tlsListeners?: readonly TlsListener[];
  /** SCRAM credentials written when the storage is formatted (`kafka-storage format --add-scram`), for `scram` listeners. @default none */
  scramUsers?: readonly ScramUser[];
  /** This broker is one node of a cluster (see dev/kafka/cluster.ts): every node formats with the same `clusterId`. @default a single node */
  cluster?: ClusterNodeSettings & { readonly clusterId: string };
  /** More JVM flags, after the defaults (e.g. `-XX:TieredStopAtLevel=1` for a faster start). @default none */
  jvmFlags?: readonly string[];
  /** Delete the data of a previous broker before starting a new one; a running broker is reused as is. @default false */
  fresh?: boolean;
  signal?: AbortSignal;
  log?: (message: string) => void;
}

export interface LocalKafka {
  /** `['127.0.0.1:<port>']`, ready for KafkaJS. */
  brokers: string[];
  /** False when a broker from an earlier `start` was reused; `stop()` then leaves it running. */
  startedHere: boolean;
  pid: number;
  logFile: string;
  /** Stops the broker if this call started it. Idempotent. */
  stop(): Promise<void>;
}

export interface KafkaStatus {
  state: 'running' | 'starting' | 'stopped';
  pid?: number;
  brokers?: string[];
  dir: string;
  logFile: string;
}

interface Layout {
  dir: string;
  dataDir: string;
  logsDir: string;
  logFile: string;
  stdoutFile: string;
  pidFile: string;
  propertiesFile: string;
}

function layout(dir: string = DEFAULT_KAFKA_DIR): Layout {
  const root = path.resolve(dir);
  const logsDir = path.join(root, 'logs');
  return {
    dir: root,
    dataDir: path.join(root, 'data'),
    logsDir,
    logFile: path.join(logsDir, 'server.log'),
    stdoutFile: path.join(logsDir, 'stdout.log'),
    pidFile: path.join(root, 'broker.pid'),
    propertiesFile: path.join(root, 'server.properties'),
  };
}

/** Starts the local broker, or reuses the one already running from the same `dir` on the same port. */
export async function ensureKafka(options: LocalKafkaOptions = {}): Promise<LocalKafka> {
  const { port = 9092, controllerPort = 9093, version = DEFAULT_KAFKA_VERSION, partitions = 6, heap = '1g' } = options;
  const { fresh = false, startTimeoutMs = 60_000, signal, log = () => undefined } = options;
  const files = layout(options.dir);
  const brokers = [`127.0.0.1:${port}`];

  const running = await runningBroker(files);
  if (running !== undefined) {
    if (running.port !== undefined && running.port !== port) {
      throw new LocalKafkaError(
        'OTHER_PORT',
        `the local broker in ${files.dir} already runs on port ${running.port}, not ${port}; stop it first (npm run kafka stop)`,
      );
    }
    if (!(await canConnect(port))) {
      log(`broker pid ${running.pid} is starting; waiting for 127.0.0.1:${port}`);
      const wait = await waitForBroker({
        port,
        timeoutMs: startTimeoutMs,
        signal,
        gone: async () => ((await isBrokerProcess(running.pid, files.propertiesFile)) ? undefined : 'exited'),
      });
      if (!wait.ready) throw new LocalKafkaError('START_TIMEOUT', `the local broker (pid ${running.pid}) ${wait.reason}; see ${files.logFile}`);
    }
    log(`reusing the local Kafka broker on 127.0.0.1:${port} (pid ${running.pid})`);
    return { brokers, startedHere: false, pid: running.pid, logFile: files.logFile, stop: async () => undefined };
  }
  await removePidFile(files.pidFile);

  const java = javaCommand();
  await checkJava(java, signal);
  const ports: [string, number][] = [
    ['LOCAL_KAFKA_PORT', port],
    ['LOCAL_KAFKA_CONTROLLER_PORT', controllerPort],
  ];
  if (options.sasl) ports.push(['the sasl.port option', options.sasl.port]);
  for (const listener of options.tlsListeners ?? []) ports.push([`the port of TLS listener ${listener.name}`, listener.port]);
  for (const [name, value] of ports) {
    if (!(await isPortFree(value))) {
      throw new LocalKafkaError('PORT_TAKEN', `port ${value} on 127.0.0.1 is taken by another process; free it or set ${name} to another port`);
    }
  }
  const lib = await resolveKafkaJars({ version, cacheDir: options.cacheDir ?? defaultCacheDir(), signal, log });

  const started = Date.now();
  if (fresh) await rm(files.dataDir, { recursive: true, force: true });
  await mkdir(files.logsDir, { recursive: true });
  const { sasl, tlsListeners, cluster } = options;
  await writeFile(
    files.propertiesFile,
    serverProperties({
      port,
      controllerPort,
      dataDir: files.dataDir,
      partitions,
      ...(sasl ? { sasl } : {}),
      ...(tlsListeners ? { tlsListeners } : {}),
      ...(cluster ? { cluster } : {}),
    }),
  );
  const jvm = [`-Dlog4j2.configurationFile=${LOG4J_CONFIG}`, `-Dkafka.logs.dir=${files.logsDir}`, '-cp', path.join(lib, '*')];
  if (!existsSync(path.join(files.dataDir, 'meta.properties'))) {
    const format = await runCommand(
      java,
      [
        ...jvm,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        cluster?.clusterId ?? clusterId(),
        '-c',
        files.propertiesFile,
        '--ignore-formatted',
        ...scramFormatArguments(options.scramUsers ?? []),
      ],
      { signal },
    );
    if (format.code !== 0) {
      throw new LocalKafkaError('FORMAT_FAILED', `formatting ${files.dataDir} failed: ${lastLine(format.output)}`);
    }
  }

  const stdout = await open(files.stdoutFile, 'w');
  const child = spawn(
    java,
    [
      `-Xms256m`,
      `-Xmx${heap}`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      ...(options.jvmFlags ?? []),
      ...jvm,
      'kafka.Kafka',
      files.propertiesFile,
    ],
    { cwd: files.dir, detached: true, stdio: ['ignore', stdout.fd, stdout.fd] },
  );
  await stdout.close();
  const pid = child.pid;
  if (pid === undefined) throw new LocalKafkaError('BROKER_EXITED', `could not start ${java}`);
  let exit: string | undefined;
  child.once('exit', (code, killedBy) => (exit = killedBy ? `was killed by ${killedBy}` : `exited with code ${code}`));
  child.unref();
  await writePidFile(files.pidFile, pid);

  const kill = async (): Promise<void> => {
    sendSignal(pid, 'SIGKILL');
    await waitForExit(pid, { timeoutMs: 10_000 });
    await removePidFile(files.pidFile);
  };
  let wait;
  try {
    wait = await waitForBroker({ port, timeoutMs: startTimeoutMs, signal, gone: async () => exit });
  } catch (error) {
    await kill();
    throw error;
  }
  if (!wait.ready) {
    await kill();
    const hint = await lastError(files);
    throw new LocalKafkaError(
      exit === undefined ? 'START_TIMEOUT' : 'BROKER_EXITED',
      `the Kafka broker ${wait.reason}; see ${files.logFile}${hint ? ` (${hint})` : ''}`,
    );
  }
  log(`Kafka ${version} is up on 127.0.0.1:${port} in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${pid}, log ${files.logFile})`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= stopKafka({ dir: files.dir, log }).then(() => undefined));
  return { brokers, startedHere: true, pid, logFile: files.logFile, stop };
}

export interface StopKafkaOptions {
  /** @default `<project>/.local/kafka` */
  dir?: string;
  /** Time allowed for a controlled shutdown before SIGKILL. @default 30_000 */
  timeoutMs?: number;
  log?: (message: string) => void;
}

/** SIGTERM, then SIGKILL after `timeoutMs`; removes the pid file. Idempotent. */
export async function stopKafka({ dir, timeoutMs = 30_000, log = () => undefined }: StopKafkaOptions = {}): Promise<'stopped' | 'not-running'> {
  const files = layout(dir);
  const running = await runningBroker(files);
  if (running === undefined) {
    await removePidFile(files.pidFile);
    return 'not-running';
  }
  sendSignal(running.pid, 'SIGTERM');
  if (!(await waitForExit(running.pid, { timeoutMs }))) {
    log(`broker pid ${running.pid} still running after ${timeoutMs / 1000} s; sending SIGKILL`);
    sendSignal(running.pid, 'SIGKILL');
    if (!(await waitForExit(running.pid, { timeoutMs: 10_000 }))) {
      throw new LocalKafkaError('STOP_TIMEOUT', `broker pid ${running.pid} survived SIGKILL`);
    }
  }
  await removePidFile(files.pidFile);
  log(`stopped the local Kafka broker (pid ${running.pid})`);
  return 'stopped';
}

export async function kafkaStatus({ dir }: { dir?: string } = {}): Promise<KafkaStatus> {
  const files = layout(dir);
  const running = await runningBroker(files);
  if (running === undefined) return { state: 'stopped', dir: files.dir, logFile: files.logFile };
  const port = running.port ?? 9092;
  const state = (await canConnect(port)) ? 'running' : 'starting';
  return { state, pid: running.pid, brokers: [`127.0.0.1:${port}`], dir: files.dir, logFile: files.logFile };
}

async function runningBroker(files: Layout): Promise<{ pid: number; port: number | undefined } | undefined> {
  const pid = await readPidFile(files.pidFile);
  if (pid === undefined || !(await isBrokerProcess(pid, files.propertiesFile))) return undefined;
  const properties = await readFile(files.propertiesFile, 'utf8').catch(() => '');
  return { pid, port: listenerPort(properties) };
}

/** Like `kafka-storage.sh random-uuid` (a base64url UUID that does not start with '-') without a JVM start. */
export function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function lastLine(output: string): string {
  return output.trim().split('\n').at(-1)?.trim() ?? '';
}

/** The last ERROR/FATAL line of the broker's logs, cut short, to hint at the cause in a one-line error. */
async function lastError(files: Layout): Promise<string | undefined> {
  for (const file of [files.stdoutFile, files.logFile]) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const line = text
      .split('\n')
      .reverse()
      .find((l) => /\] (ERROR|FATAL) |^Error:|^Exception in thread/.test(l));
    if (line) return line.trim().slice(0, 200);
  }
  return undefined;
}
