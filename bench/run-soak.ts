/**
 * npm run bench:soak -- [--events N] [--rate R] [--window-s S] [--node-options "…"] [--service-root DIR]
 *
 * Memory over hours, on the Node that runs it (put Node 24 first on PATH for the image's): one
 * service instance with receipts, the Redis sent ledger and the cluster send rate on, started with
 * the Deployment's NODE_OPTIONS, sends `--events` (default 1 000 000) at `--rate`/s (default 300);
 * the heap's floor per window and the peak RSS against the Deployment's memory limit. Figures, never
 * pass/fail. Brokers: KAFKA_BROKERS, or the local broker (LOCAL_KAFKA_*) started or reused.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { groupBenchMain } from './group/runner.js';
import { formatSoak, runSoak, type SoakOptions } from './scenarios/soak.js';

const USAGE = `usage: npm run bench:soak -- [--events N] [--rate R] [--window-s S] [--node-options "--max-old-space-size=192"] [--latency-ms MS] [--service-root DIR] [--out FILE]`;

/** The Deployment's NODE_OPTIONS and limits.memory, as shipped. */
function deployment(projectRoot: string): { nodeOptions: string; memoryLimitMiB: number } {
  const yaml = readFileSync(path.join(projectRoot, 'deploy/k8s/base/deployment.yaml'), 'utf8');
  const nodeOptions = /name: NODE_OPTIONS\s+value: (.+)/.exec(yaml)?.[1]?.trim() ?? '';
  const limits = yaml.slice(yaml.indexOf('limits:'));
  return { nodeOptions, memoryLimitMiB: Number(/memory: (\d+)Mi/.exec(limits)?.[1] ?? 0) };
}

function parse(argv: readonly string[], projectRoot: string): SoakOptions {
  const { values: f } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      events: { type: 'string' },
      rate: { type: 'string' },
      'window-s': { type: 'string' },
      'node-options': { type: 'string' },
      'latency-ms': { type: 'string' },
      'service-root': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const positive = (name: string, value: string | undefined, fallback: number) => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${value}`);
    return n;
  };
  const shipped = deployment(projectRoot);
  return {
    serviceRoot: f['service-root'] ?? projectRoot,
    out: f.out ?? path.join(projectRoot, 'bench', 'results', `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    latencyMs: f['latency-ms'] === undefined ? 5 : Number(f['latency-ms']),
    events: positive('events', f.events, 1_000_000),
    rate: positive('rate', f.rate, 300),
    windowS: positive('window-s', f['window-s'], 60),
    nodeOptions: f['node-options'] ?? shipped.nodeOptions,
    memoryLimitMiB: shipped.memoryLimitMiB,
  };
}

await groupBenchMain(fileURLToPath(new URL('..', import.meta.url)), {
  script: 'soak',
  label: 'bench:soak',
  usage: USAGE,
  parse,
  run: runSoak,
  format: (_info, o, r) => formatSoak(o, r),
});
