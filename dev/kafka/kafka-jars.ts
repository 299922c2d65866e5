import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { LocalKafkaError } from './local-kafka-error.js';
import { isNotFound, runCommand } from './run-command.js';

export const POM_FILE = fileURLToPath(new URL('pom.xml', import.meta.url));

export interface KafkaJarsOptions {
  /** Apache Kafka version, e.g. `4.3.1`. */
  version: string;
  /** Jars go to `<cacheDir>/kafka-<version>/lib`. */
  cacheDir: string;
  signal?: AbortSignal;
  log: (message: string) => void;
  /** @default 'mvn' */
  mvn?: string;
}

/**
 * Returns a directory holding every runtime jar of the Kafka broker, resolving it with Maven only the
 * first time on a machine: later calls (and later CI runs) find `complete.json` and skip Maven.
 */
export async function resolveKafkaJars({ version, cacheDir, signal, log, mvn = 'mvn' }: KafkaJarsOptions): Promise<string> {
  const home = path.join(cacheDir, `kafka-${version}`);
  const lib = path.join(home, 'lib');
  const marker = path.join(home, 'complete.json');
  const pomSha = createHash('sha256')
    .update(await readFile(POM_FILE))
    .digest('hex');
  if ((await readMarker(marker)) === pomSha) return lib;

  log(`resolving Kafka ${version} jars with Maven into ${lib} (first run on this machine only)`);
  const started = Date.now();
  const staging = path.join(home, `lib.tmp-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await copyDependencies({ mvn, version, staging, signal, extra: [] });
    // kafka_2.13 brings log4j-core; the slf4j binding in the pom has to be the same log4j release.
    const jars = await readdir(staging);
    const core = jarVersion(jars, 'log4j-core');
    const binding = jarVersion(jars, 'log4j-slf4j-impl');
    if (core !== undefined && binding !== undefined && core !== binding) {
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging, { recursive: true });
      await copyDependencies({ mvn, version, staging, signal, extra: [`-Dlog4j.version=${core}`] });
    }
    await rm(lib, { recursive: true, force: true });
    await rename(staging, lib);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  await writeFile(marker, JSON.stringify({ version, pomSha, resolvedAt: new Date().toISOString() }, null, 2));
  log(`resolved ${(await readdir(lib)).length} jars in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return lib;
}

async function copyDependencies(o: { mvn: string; version: string; staging: string; signal?: AbortSignal; extra: string[] }): Promise<void> {
  const args = [
    '-B',
    '-q',
    '-f',
    POM_FILE,
    `-Dkafka.version=${o.version}`,
    ...o.extra,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${o.staging}`,
    '-DincludeScope=runtime',
  ];
  let result;
  try {
    result = await runCommand(o.mvn, args, { signal: o.signal });
  } catch (error) {
    if (isNotFound(error)) {
      throw new LocalKafkaError(
        'MAVEN_MISSING',
        `Maven (${o.mvn}) is not installed and the Kafka ${o.version} jars are not cached yet; install it (apt-get install -y maven) and retry`,
        { cause: error },
      );
    }
    throw error;
  }
  if (result.code !== 0) {
    const reason =
      result.output
        .split('\n')
        .find((line) => line.includes('[ERROR]'))
        ?.replace(/^\[ERROR\]\s*/, '') ?? `exit ${result.code}`;
    throw new LocalKafkaError('MAVEN_FAILED', `mvn could not resolve org.apache.kafka:kafka_2.13:${o.version}: ${reason.trim()}`);
  }
}

function jarVersion(jars: readonly string[], artifact: string): string | undefined {
  const pattern = new RegExp(`^${artifact}-(\\d[^-]*)\\.jar$`);
  for (const jar of jars) {
    const match = pattern.exec(jar);
    if (match?.[1] !== undefined) return match[1];
  }
  return undefined;
}

async function readMarker(file: string): Promise<string | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { pomSha?: unknown };
    return typeof parsed.pomSha === 'string' ? parsed.pomSha : undefined;
  } catch {
    return undefined;
  }
}
