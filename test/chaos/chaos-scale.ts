import { ALL_FEATURES, type ChaosFeatures, type FaultKind, NO_FEATURES } from './fault.js';
import type { FaultRanges } from './plan-schedule.js';
import { createPrng, parseSeed, randomSeed } from './prng.js';

/** The size of a chaos run: how long, how many faults, how much traffic. */
export interface ChaosScale {
  readonly name: 'short' | 'full';
  /** The chaos phase: the producer runs and faults fire. */
  readonly chaosMs: number;
  readonly faults: number;
  readonly everyKindOnce: boolean;
  /** Kinds every run of this scale places (the short form's list); else every kind when everyKindOnce. */
  readonly requiredKinds?: readonly FaultKind[];
  /** Faults on Kafka nodes start at least this far apart. */
  readonly brokerSpacingMs: number;
  readonly instances: { readonly initial: number; readonly min: number; readonly max: number };
  /** Source topic partitions at the start (add-partitions adds more). */
  readonly partitions: number;
  readonly ratePerSecond: number;
  /** EMAIL_RATE_LIMIT_PER_SECOND with the cluster rate on: above the producer's rate, so a backlog after an outage drains at the limit. */
  readonly rateLimitPerSecond: number;
  /** After healing: how long the group may take to settle everything and commit. */
  readonly drainMs: number;
  readonly ranges: Partial<FaultRanges>;
  /** Share of deliberately invalid events (due on the DLQ as invalid_event). */
  readonly invalidShare: number;
  /** Share of batches sent in a committed / an aborted transaction. */
  readonly transactionShare: { readonly commit: number; readonly abort: number };
}

/**
 * Inside `npm test`: one fixed seed with every feature on, on the 3-node cluster. The chaos phase is
 * long enough for the three Kafka node faults (a rolling restart alone takes ~30 s) and two SMTP
 * failure windows kept apart by the retry window; the other faults fill the slots between.
 */
export const SHORT_SCALE: ChaosScale = {
  name: 'short',
  chaosMs: 60_000,
  faults: 14,
  everyKindOnce: false,
  requiredKinds: [
    'kill-coordinator',
    'kill-leader',
    'rolling-restart',
    'fallback-auth-refused',
    'smtp-outage',
    'sigkill',
    'sigterm',
    'join',
    'fallback-outage',
    'redis-down',
    'redis-slow',
    'receipts-unwritable',
    'add-partitions',
    'smtp-slow',
  ],
  brokerSpacingMs: 16_000,
  instances: { initial: 2, min: 1, max: 3 },
  partitions: 4,
  ratePerSecond: 40,
  rateLimitPerSecond: 60,
  drainMs: 60_000,
  ranges: {
    sigkillRestartMs: [1_000, 3_000],
    brokerDownMs: [4_000, 6_000],
    smtpOutageMs: [5_000, 7_000],
    relayOutageMs: [5_000, 7_000],
    smtpSlowMs: [5_000, 8_000],
    smtp4xxBurstMs: [2_000, 4_000],
    redisDownMs: [3_000, 5_000],
    redisSlowMs: [4_000, 6_000],
    receiptsUnwritableMs: [4_000, 6_000],
    addPartitions: [1, 1],
  },
  invalidShare: 0.02,
  transactionShare: { commit: 0.12, abort: 0.05 },
};

/** `npm run test:chaos`: several random seeds, a few minutes each, every kind the run's features allow. */
export const FULL_SCALE: ChaosScale = {
  name: 'full',
  chaosMs: 150_000,
  faults: 20,
  everyKindOnce: true,
  brokerSpacingMs: 25_000,
  instances: { initial: 2, min: 1, max: 3 },
  partitions: 6,
  ratePerSecond: 80,
  rateLimitPerSecond: 120,
  drainMs: 120_000,
  ranges: {},
  // More dead letters than the short form: DLQ publishes in flight when a node goes away.
  invalidShare: 0.05,
  transactionShare: { commit: 0.1, abort: 0.04 },
};

/**
 * Fault kinds left out of every plan until the fix they wait for lands, each with why (docs/chaos.md).
 * `CHAOS_PENDING=1` plans them anyway, to see whether the fix is there.
 */
export const PENDING_KINDS: Partial<Record<FaultKind, string>> = {};

/** The kinds to leave out of a plan: the pending ones, unless CHAOS_PENDING=1. */
export function excludedKinds(env: NodeJS.ProcessEnv): FaultKind[] {
  return pendingOn(env) ? [] : (Object.keys(PENDING_KINDS) as FaultKind[]);
}

/**
 * Partitions of the receipts topic: 2, so one receipt batch spans two leaders and a leader move
 * tests that every partition's acknowledgement is checked (KafkaJS 2.2.4 can resolve a send without
 * writing a partition whose leader moved).
 */
export function receiptsPartitions(_env: NodeJS.ProcessEnv): number {
  return 2;
}

function pendingOn(env: NodeJS.ProcessEnv): boolean {
  return env.CHAOS_PENDING?.trim() === '1';
}

/** The seed of the short form in `npm test`. */
export const SHORT_SEED = 20_251_129;

export interface ChaosRun {
  readonly seed: number;
  readonly features: ChaosFeatures;
}

export interface ChaosPlan {
  readonly scale: ChaosScale;
  readonly runs: readonly ChaosRun[];
}

const FEATURE_NAMES: Record<string, keyof ChaosFeatures> = { receipts: 'receipts', fallback: 'fallback', rate: 'clusterRate', ledger: 'ledger' };

/**
 * The features of a seed's run at full scale: each on or off at even odds (from the seed, so a replay
 * has the same). The service reads the ledger's Redis URL from REDIS_URL too: the cluster rate on
 * brings the ledger along.
 */
export function drawFeatures(seed: number): ChaosFeatures {
  const prng = createPrng(seed).fork('features');
  const receipts = prng.chance(0.5);
  const fallback = prng.chance(0.5);
  const clusterRate = prng.chance(0.5);
  const ledger = prng.chance(0.5) || clusterRate;
  return { receipts, fallback, clusterRate, ledger };
}

/** `all`, `none` or a comma list of receipts, fallback, rate, ledger. */
export function parseFeatures(text: string): ChaosFeatures {
  const words = text
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean);
  if (words.length === 1 && words[0] === 'all') return ALL_FEATURES;
  if (words.length === 1 && words[0] === 'none') return NO_FEATURES;
  const on: Record<keyof ChaosFeatures, boolean> = { ...NO_FEATURES };
  for (const word of words) {
    const key = FEATURE_NAMES[word];
    if (key === undefined) throw new RangeError(`Expected CHAOS_FEATURES to be all, none or a list of receipts, fallback, rate, ledger, got "${text}"`);
    on[key] = true;
  }
  return { ...on, ledger: on.ledger || on.clusterRate };
}

/**
 * - `CHAOS_SCALE`: `short` (default, the form in `npm test`) or `full` (`npm run test:chaos`).
 * - `CHAOS_SEED`: replay one seed (as printed by a run).
 * - `CHAOS_RUNS`: how many random seeds the full scale runs (default 5).
 * - `CHAOS_FEATURES`: the features of every run (`all`, `none`, or e.g. `receipts,ledger`); unset,
 *   the short form turns every feature on, the full scale's first run too and each later run draws
 *   them from its seed. `CHAOS_LEDGER=redis` (older form) turns the ledger on.
 */
export function chaosPlanFromEnv(env: NodeJS.ProcessEnv, newSeed: () => number = randomSeed): ChaosPlan {
  const scaleName = env.CHAOS_SCALE?.trim() || 'short';
  if (scaleName !== 'short' && scaleName !== 'full') throw new RangeError(`Expected CHAOS_SCALE to be short or full, got "${scaleName}"`);
  const scale = scaleName === 'full' ? FULL_SCALE : SHORT_SCALE;
  const ledgerText = env.CHAOS_LEDGER?.trim() || undefined;
  if (ledgerText !== undefined && ledgerText !== 'none' && ledgerText !== 'redis') {
    throw new RangeError(`Expected CHAOS_LEDGER to be none or redis, got "${ledgerText}"`);
  }
  const featuresText = env.CHAOS_FEATURES?.trim() || undefined;
  const forced = featuresText === undefined ? undefined : parseFeatures(featuresText);
  const runsText = env.CHAOS_RUNS?.trim() || undefined;
  const count = runsText === undefined ? 5 : Number(runsText);
  if (!Number.isInteger(count) || count < 1 || count > 100) throw new RangeError(`Expected CHAOS_RUNS to be an integer from 1 to 100, got "${runsText}"`);

  const replay = env.CHAOS_SEED?.trim() ? parseSeed(env.CHAOS_SEED) : undefined;
  const seeds = replay !== undefined ? [replay] : scale.name === 'short' ? [SHORT_SEED] : Array.from({ length: count }, newSeed);
  const runs = seeds.map((seed, i): ChaosRun => {
    let features = forced ?? (scale.name === 'short' || (i === 0 && replay === undefined) ? ALL_FEATURES : drawFeatures(seed));
    if (ledgerText === 'redis') features = { ...features, ledger: true };
    return { seed, features };
  });
  return { scale, runs };
}
