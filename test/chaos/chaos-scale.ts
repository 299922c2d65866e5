import type { FaultRanges } from './plan-schedule.js';
import { parseSeed, randomSeed } from './prng.js';

/** The size of a chaos run: how long, how many faults, how much traffic. */
export interface ChaosScale {
  readonly name: 'short' | 'full';
  /** The chaos phase: the producer runs and faults fire. */
  readonly chaosMs: number;
  readonly faults: number;
  readonly everyKindOnce: boolean;
  readonly instances: { readonly initial: number; readonly min: number; readonly max: number };
  /** Source topic partitions at the start (add-partitions adds more). */
  readonly partitions: number;
  readonly ratePerSecond: number;
  /** After healing: how long the group may take to settle everything and commit. */
  readonly drainMs: number;
  readonly ranges: Partial<FaultRanges>;
  /** Share of deliberately invalid events (due on the DLQ as invalid_event). */
  readonly invalidShare: number;
  /** Share of batches sent in a committed / an aborted transaction. */
  readonly transactionShare: { readonly commit: number; readonly abort: number };
}

/** Inside `npm test`: one fixed seed, every fault kind once, about 80 s on 2 cores. */
export const SHORT_SCALE: ChaosScale = {
  name: 'short',
  chaosMs: 36_000,
  faults: 9,
  everyKindOnce: true,
  instances: { initial: 2, min: 1, max: 3 },
  partitions: 4,
  ratePerSecond: 40,
  drainMs: 30_000,
  ranges: {
    sigkillRestartMs: [1_000, 3_000],
    brokerDownMs: [5_000, 6_000],
    smtpOutageMs: [5_000, 7_000],
    smtpSlowMs: [5_000, 8_000],
    smtp4xxBurstMs: [2_000, 4_000],
    addPartitions: [1, 1],
  },
  invalidShare: 0.02,
  transactionShare: { commit: 0.12, abort: 0.05 },
};

/** `npm run test:chaos`: several random seeds, a few minutes each. */
export const FULL_SCALE: ChaosScale = {
  name: 'full',
  chaosMs: 120_000,
  faults: 16,
  everyKindOnce: true,
  instances: { initial: 2, min: 1, max: 3 },
  partitions: 6,
  ratePerSecond: 80,
  drainMs: 90_000,
  ranges: {},
  // More dead letters than the short form: DLQ publishes in flight when the broker goes away.
  invalidShare: 0.05,
  transactionShare: { commit: 0.1, abort: 0.04 },
};

/** The seed of the short form in `npm test`. */
export const SHORT_SEED = 20_251_129;

export type LedgerMode = 'none' | 'redis';

export interface ChaosRun {
  readonly seed: number;
  readonly ledger: LedgerMode;
}

export interface ChaosPlan {
  readonly scale: ChaosScale;
  readonly runs: readonly ChaosRun[];
}

/**
 * - `CHAOS_SCALE`: `short` (default, the form in `npm test`) or `full` (`npm run test:chaos`).
 * - `CHAOS_SEED`: replay one seed (as printed by a run).
 * - `CHAOS_RUNS`: how many random seeds the full scale runs (default 3).
 * - `CHAOS_LEDGER`: `none` or `redis` for every run; unset, the full scale adds one run of its first
 *   seed with the Redis sent ledger.
 */
export function chaosPlanFromEnv(env: NodeJS.ProcessEnv, newSeed: () => number = randomSeed): ChaosPlan {
  const scaleName = env.CHAOS_SCALE?.trim() || 'short';
  if (scaleName !== 'short' && scaleName !== 'full') throw new RangeError(`Expected CHAOS_SCALE to be short or full, got "${scaleName}"`);
  const scale = scaleName === 'full' ? FULL_SCALE : SHORT_SCALE;
  const ledgerText = env.CHAOS_LEDGER?.trim() || undefined;
  if (ledgerText !== undefined && ledgerText !== 'none' && ledgerText !== 'redis') {
    throw new RangeError(`Expected CHAOS_LEDGER to be none or redis, got "${ledgerText}"`);
  }
  const runsText = env.CHAOS_RUNS?.trim() || undefined;
  const count = runsText === undefined ? 3 : Number(runsText);
  if (!Number.isInteger(count) || count < 1 || count > 100) throw new RangeError(`Expected CHAOS_RUNS to be an integer from 1 to 100, got "${runsText}"`);

  const seeds = env.CHAOS_SEED?.trim() ? [parseSeed(env.CHAOS_SEED)] : scale.name === 'short' ? [SHORT_SEED] : Array.from({ length: count }, newSeed);
  if (ledgerText !== undefined) return { scale, runs: seeds.map((seed) => ({ seed, ledger: ledgerText })) };
  const runs: ChaosRun[] = seeds.map((seed) => ({ seed, ledger: 'none' }));
  if (scale.name === 'full' && !env.CHAOS_SEED?.trim()) runs.push({ seed: seeds[0] as number, ledger: 'redis' });
  return { scale, runs };
}
