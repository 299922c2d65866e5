/**
 * npm run bench -- [--quick] [--scenarios throughput,faults,drain,latency,memory] [options]   (--help)
 *
 * Figures, never pass/fail. On one broker, one backlog and one SMTP sink (on its own thread):
 *   throughput  B0 raw send, B0pre (B0 composing ahead), B1 naive eachMessage, B1′ eachMessage with
 *               every partition in parallel, and ours, alternating at each SMTP latency L and
 *               concurrency C; medians and spread
 *   faults      ours with 10 % first-attempt 451 vs none, alternating
 *   drain       ours with a no-op mailer: the Kafka-only ceiling
 *   latency     end-to-end p50/p95/p99 at a steady offered load (the compiled service as a child)
 *   memory      a big backlog through the compiled service: peak RSS (VmHWM) and heap over time
 * Writes the JSON (--out), the Markdown tables next to it, and docs/bench/*.svg.
 * Brokers: KAFKA_BROKERS, or the local broker (LOCAL_KAFKA_*) started or reused.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { DEFAULT_KAFKA_VERSION, ensureKafka, localKafkaOptionsFromEnv } from '../dev/local-kafka.js';
import { createBacklog } from './backlog.js';
import { renderCharts } from './chart.js';
import { BENCH_USAGE, type BenchOptions, parseBenchArgs } from './options.js';
import { formatReport } from './report.js';
import type { BenchResult } from './result.js';
import type { ScenarioContext } from './scenarios/context.js';
import { runDrain } from './scenarios/drain.js';
import { runFaults } from './scenarios/faults.js';
import { runLatency, runMemory } from './scenarios/load.js';
import { runThroughput } from './scenarios/throughput.js';
import { startSinkThread } from './sink-thread.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const say = (line: string) => console.error(`bench: ${line}`);
setMaxListeners(10_000);

if (process.argv.includes('--help')) {
  console.log(BENCH_USAGE);
  process.exit(0);
}
let options: BenchOptions;
try {
  options = parseBenchArgs(process.argv.slice(2));
} catch (err) {
  say((err as Error).message);
  console.error(BENCH_USAGE);
  process.exit(2);
}

const loadavgStart = os.loadavg();
say(`load average at start: ${loadavgStart.map((n) => n.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs`);
if (options.scenarios.includes('latency') || options.scenarios.includes('memory')) {
  say('building dist/ (the latency and memory runs spawn the compiled service)…');
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
}
const brokers = process.env.KAFKA_BROKERS?.split(',') ?? (await ensureKafka({ ...localKafkaOptionsFromEnv(process.env), log: say })).brokers;
const sink = await startSinkThread();
const profileDir = path.join(ROOT, '.local', 'bench');
mkdirSync(profileDir, { recursive: true });

let backlog: BenchResult['backlog'];
// Sized so the fastest variant cannot drain it during warm-up + window: 4 000 msg/s is above
// anything this service or its peers reach on 2 cores.
const backlogSize = options.backlog || Math.max(20_000, Math.ceil(4_000 * (options.warmupS + options.windowS + 2)));
const ctx: ScenarioContext = {
  options,
  brokers,
  sink,
  projectRoot: ROOT,
  profileDir,
  say,
  async backlog() {
    if (!backlog) {
      const { topic, seconds } = await createBacklog({ brokers, messages: backlogSize, partitions: options.partitions, label: 'shared' });
      backlog = { topic, messages: backlogSize, produceSeconds: seconds };
      say(`backlog: ${backlogSize} messages of 1 500 bytes on ${topic} (${options.partitions} partitions), produced in ${seconds.toFixed(1)} s`);
    }
    return backlog;
  },
};

const has = (s: BenchOptions['scenarios'][number]) => options.scenarios.includes(s);
let result: BenchResult;
try {
  const throughput = has('throughput') ? await runThroughput(ctx) : [];
  const faults = has('faults') ? await runFaults(ctx) : undefined;
  const drain = has('drain') ? await runDrain(ctx) : undefined;
  const latency = has('latency') ? await runLatency(ctx) : [];
  const memory = has('memory') ? await runMemory(ctx) : undefined;
  result = {
    date: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: {
      nproc: os.availableParallelism(),
      cpu: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      java: javaVersion(),
      kafka: DEFAULT_KAFKA_VERSION,
      loadavgStart,
      loadavgEnd: os.loadavg(),
    },
    options,
    backlog,
    throughput,
    faults,
    drain,
    latency,
    memory,
  };
} finally {
  await sink.stop();
}

const out = path.resolve(ROOT, options.out);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
const report = formatReport(result);
writeFileSync(out.replace(/\.json$/, '.md'), `${report}\n`);
for (const file of renderCharts(result, path.join(ROOT, 'docs', 'bench'))) say(`wrote ${path.relative(ROOT, file)}`);
console.log(report);
say(`wrote ${path.relative(ROOT, out)}; load average at end: ${result.machine.loadavgEnd.map((n) => n.toFixed(2)).join(' ')}`);
process.exit(0);

function javaVersion(): string | undefined {
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const run = spawnSync(java, ['-version'], { encoding: 'utf8' });
  return `${run.stderr ?? ''}${run.stdout ?? ''}`.split('\n')[0]?.trim() || undefined;
}
