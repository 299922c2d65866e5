/**
 * The chaos test: on a 3-node KRaft cluster (replication 3, min.insync.replicas 2), a seeded random
 * schedule of faults — service instances killed, stopped, joining and leaving; the group coordinator's
 * node and a partition leader's node killed, a rolling restart; the primary relay, the fallback, both,
 * the fallback refusing our login; Redis down and slow; the receipts topic refusing writes; SMTP
 * slowness and 4xx bursts; added partitions — while a producer writes sign-up events, plain and in
 * transactions; then a history checker judges what the SMTP servers accepted, the receipts, the send
 * rate, what reached the DLQ and what the group committed (docs/chaos.md).
 *
 * In `npm test`: the short form, one fixed seed, every feature on. `npm run test:chaos`: five random
 * seeds at full scale, the first with every feature on, the others drawing them. `CHAOS_SEED=<seed>`
 * replays a seed's schedule; `CHAOS_FEATURES` sets the features.
 */
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type RedisServer, redisServerMissing, startRedisServer } from '../support/redis.js';
import { type ChaosBroker, startChaosBroker } from './chaos-broker.js';
import { chaosPlanFromEnv, type ChaosRun, excludedKinds, PENDING_KINDS, receiptsPartitions } from './chaos-scale.js';
import { describeFeatures } from './fault.js';
import { failureMessage, summary, tableRow } from './format-report.js';
import { runChaos } from './run-chaos.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const plan = chaosPlanFromEnv(process.env);
const excluded = excludedKinds(process.env);
const receiptPartitions = receiptsPartitions(process.env);
const log = (line: string): void => console.log(`[chaos] ${line}`);
const needsRedis = (r: ChaosRun): boolean => r.features.ledger || r.features.clusterRate;
const redisMissing = plan.runs.some(needsRedis) ? redisServerMissing() : undefined;

let broker: ChaosBroker | undefined;
let redis: RedisServer | undefined;
const rows: string[] = [];

beforeAll(async () => {
  for (const kind of excluded) log(`fault kind ${kind} is pending: ${PENDING_KINDS[kind]} (CHAOS_PENDING=1 plans it)`);
  log(`seeds ${plan.runs.map((r) => `${r.seed} (${describeFeatures(r.features)})`).join(', ')} at ${plan.scale.name} scale`);
  broker = await startChaosBroker({ log });
}, 240_000);

afterAll(async () => {
  await redis?.stop();
  await broker?.close();
  if (rows.length > 0) console.log(`[chaos] runs:\n${rows.join('\n')}`);
});

describe(`chaos (${plan.scale.name})`, () => {
  for (const run of plan.runs) {
    const skipped = needsRedis(run) && redisMissing !== undefined ? ` (SKIPPED: ${redisMissing})` : '';
    const title = `seed ${run.seed} with ${describeFeatures(run.features)} › nothing lost, no aborted record delivered, no dead letter without cause, no stuck partition, duplicates within the sends in flight or a named fault, none sent thrice, receipts complete, rate within its limit${skipped}`;
    it.skipIf(needsRedis(run) && redisMissing !== undefined)(
      title,
      async () => {
        log(`seed ${run.seed}: starting`);
        if (needsRedis(run)) redis ??= await startRedisServer();
        const result = await runChaos({
          seed: run.seed,
          scale: plan.scale,
          features: run.features,
          excludedKinds: excluded,
          receiptsPartitions: receiptPartitions,
          broker: broker as ChaosBroker,
          ...(redis ? { redisPort: redis.port } : {}),
          projectRoot: ROOT,
          log,
        });
        log(summary(result));
        rows.push(tableRow(result));
        expect(result.violations, failureMessage(result)).toEqual([]);
      },
      plan.scale.name === 'full' ? 900_000 : 420_000,
    );
  }
});
