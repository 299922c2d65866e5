/**
 * The chaos test: a seeded random schedule of faults (SIGKILL / SIGTERM / join / leave of service
 * instances, broker restarts, SMTP outages, slowness and 4xx bursts, added partitions) while a
 * producer writes sign-up events, plain and in transactions; then a history checker judges what the
 * SMTP server accepted, what reached the DLQ and what the group committed (docs/chaos.md).
 *
 * In `npm test`: the short form, one fixed seed. `npm run test:chaos`: several random seeds and a run
 * with the Redis sent ledger. `CHAOS_SEED=<seed>` replays a seed's schedule.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisServerMissing, startRedisServer, type RedisServer } from '../support/redis.js';
import { startChaosBroker, type ChaosBroker } from './chaos-broker.js';
import { chaosPlanFromEnv } from './chaos-scale.js';
import { failureMessage, summary, tableRow } from './format-report.js';
import { runChaos } from './run-chaos.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const plan = chaosPlanFromEnv(process.env);
const log = (line: string): void => console.log(`[chaos] ${line}`);
const redisMissing = plan.runs.some((r) => r.ledger === 'redis') ? redisServerMissing() : undefined;

let broker: ChaosBroker | undefined;
let redis: RedisServer | undefined;
const rows: string[] = [];

beforeAll(async () => {
  log(`seeds ${plan.runs.map((r) => `${r.seed}${r.ledger === 'redis' ? ' (Redis ledger)' : ''}`).join(', ')} at ${plan.scale.name} scale`);
  broker = await startChaosBroker({ log });
}, 180_000);

afterAll(async () => {
  await redis?.stop();
  await broker?.close();
  if (rows.length > 0) console.log(`[chaos] runs:\n${rows.join('\n')}`);
});

describe(`chaos (${plan.scale.name})`, () => {
  for (const run of plan.runs) {
    const skipped = run.ledger === 'redis' && redisMissing !== undefined ? ` (SKIPPED: ${redisMissing})` : '';
    const title = `seed ${run.seed}${run.ledger === 'redis' ? ' with the Redis sent ledger' : ''} › nothing lost, no aborted record delivered, no dead letter without cause, no stuck partition, duplicates within their bound${skipped}`;
    it.skipIf(run.ledger === 'redis' && redisMissing !== undefined)(
      title,
      async () => {
        log(`seed ${run.seed}: starting`);
        if (run.ledger === 'redis') redis ??= await startRedisServer();
        const result = await runChaos({
          seed: run.seed,
          scale: plan.scale,
          ledger: run.ledger,
          broker: broker as ChaosBroker,
          ...(redis ? { redisUrl: redis.url } : {}),
          projectRoot: ROOT,
          log,
        });
        log(summary(result));
        rows.push(tableRow(result));
        expect(result.violations, failureMessage(result)).toEqual([]);
      },
      plan.scale.name === 'full' ? 600_000 : 240_000,
    );
  }
});
