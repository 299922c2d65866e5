import { spawnSync } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { DEFAULT_KAFKA_VERSION, ensureKafka, localKafkaOptionsFromEnv } from '../../dev/local-kafka.js';
import type { GroupBenchContext } from './context.js';
import { killAllMembers } from './member.js';
import { startRecordingSink } from './recording-sink.js';

/** Where and on what a group benchmark ran (top of its JSON and Markdown). */
export interface RunInfo {
  readonly date: string;
  readonly command: string;
  readonly serviceRoot: string;
  /** `git describe`-like: short commit of the service checkout, `+dirty` with uncommitted changes. */
  readonly serviceCommit: string | undefined;
  readonly machine: {
    readonly nproc: number;
    readonly cpu: string | undefined;
    readonly memoryGiB: number;
    readonly node: string;
    readonly kafka: string;
    readonly loadavgStart: readonly number[];
    readonly loadavgEnd: readonly number[];
  };
}

export interface GroupBenchMain<O extends { readonly serviceRoot: string; readonly out: string; readonly latencyMs: number }, R> {
  readonly script: string;
  readonly usage: string;
  readonly label: string;
  parse(argv: readonly string[], projectRoot: string): O;
  run(ctx: GroupBenchContext, options: O): Promise<R>;
  format(info: RunInfo, options: O, result: R): string;
}

/**
 * The shared shell of `bench:scale` and `bench:sigkill`: options, broker (KAFKA_BROKERS or the local
 * one from LOCAL_KAFKA_*), the recording SMTP sink, member cleanup on any exit, and the results
 * (JSON at --out, the tables next to it as .md, and on stdout).
 */
export async function groupBenchMain<O extends { readonly serviceRoot: string; readonly out: string; readonly latencyMs: number }, R>(
  projectRoot: string,
  b: GroupBenchMain<O, R>,
): Promise<never> {
  const say = (line: string) => console.error(`${b.label}: ${line}`);
  setMaxListeners(10_000);
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) {
    console.log(b.usage);
    process.exit(0);
  }
  let options: O;
  try {
    options = b.parse(argv, projectRoot);
  } catch (err) {
    say((err as Error).message);
    console.error(b.usage);
    process.exit(2);
  }
  // Members are separate processes: never leave one behind, whatever ends the runner.
  process.on('exit', killAllMembers);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAllMembers();
      process.exit(130);
    });
  }
  const serviceRoot = path.resolve(options.serviceRoot);
  const loadavgStart = os.loadavg();
  say(
    `load average at start: ${loadavgStart.map((n) => n.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs; service from ${serviceRoot} (${gitCommit(serviceRoot) ?? 'not a git checkout'})`,
  );
  const brokers = process.env.KAFKA_BROKERS?.split(',') ?? (await ensureKafka({ ...localKafkaOptionsFromEnv(process.env), log: say })).brokers;
  const sink = await startRecordingSink({ latencyMs: options.latencyMs });
  const logDir = path.join(projectRoot, '.local', 'bench', `${b.script}-${Date.now().toString(36)}`);
  mkdirSync(logDir, { recursive: true });
  say(`member logs in ${path.relative(process.cwd(), logDir)}`);
  let result: R;
  try {
    result = await b.run({ brokers, sink, logDir, say }, { ...options, serviceRoot });
  } finally {
    await sink.stop();
  }
  const info: RunInfo = {
    date: new Date().toISOString(),
    command: `npm run bench:${b.script} -- ${argv.join(' ')}`.trim(),
    serviceRoot,
    serviceCommit: gitCommit(serviceRoot),
    machine: {
      nproc: os.availableParallelism(),
      cpu: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      kafka: DEFAULT_KAFKA_VERSION,
      loadavgStart,
      loadavgEnd: os.loadavg(),
    },
  };
  const out = path.resolve(projectRoot, options.out);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ ...info, options: { ...options, serviceRoot }, result }, null, 2)}\n`);
  const report = b.format(info, { ...options, serviceRoot }, result);
  writeFileSync(out.replace(/\.json$/, '.md'), `${report}\n`);
  console.log(report);
  say(`wrote ${path.relative(process.cwd(), out)} and its .md; load average at end: ${info.machine.loadavgEnd.map((n) => n.toFixed(2)).join(' ')}`);
  process.exit(0);
}

function gitCommit(dir: string): string | undefined {
  const head = spawnSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return undefined;
  // Untracked files (new benchmarks, say) do not change the service; modified tracked files do.
  const dirty = spawnSync('git', ['-C', dir, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' });
  return `${head.stdout.trim()}${dirty.stdout.trim() ? '+dirty' : ''}`;
}
