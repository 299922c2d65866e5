/**
 * A small seeded PRNG (mulberry32) so a chaos run's schedule and event mix replay from one number:
 * `CHAOS_SEED=<seed> npm run test:chaos`. Not for cryptography.
 */
export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** Uniform in [min, max). */
  float(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A new array in random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** An independent stream for one purpose (schedule, producer …): drawing from it never shifts this one. */
  fork(label: string): Prng;
}

export const MAX_SEED = 0xffff_ffff;

export function createPrng(seed: number): Prng {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) throw new RangeError(`Expected a seed in 0..${MAX_SEED}, got ${seed}`);
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
  const prng: Prng = {
    next,
    int(min, max) {
      if (!(Number.isInteger(min) && Number.isInteger(max) && min <= max)) throw new RangeError(`Expected integers min <= max, got ${min}, ${max}`);
      return min + Math.floor(next() * (max - min + 1));
    },
    float: (min, max) => min + next() * (max - min),
    chance: (probability) => next() < probability,
    pick(items) {
      if (items.length === 0) throw new RangeError('Expected a non-empty array to pick from');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    shuffle(items) {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j] as (typeof out)[number], out[i] as (typeof out)[number]];
      }
      return out;
    },
    fork: (label) => createPrng(mix(seed, label)),
  };
  return prng;
}

/** FNV-1a over the label, folded into the seed: a stable seed per (seed, label). */
function mix(seed: number, label: string): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 0x0100_0193);
  return hash >>> 0;
}

/** Parses a seed as printed by a run (a decimal integer in 0..2^32-1). */
export function parseSeed(text: string): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(value) || value > MAX_SEED) {
    throw new RangeError(`Expected CHAOS_SEED to be an integer from 0 to ${MAX_SEED}, got "${text}"`);
  }
  return value;
}

/** A fresh seed for exploring (not from a seeded stream: new every run). */
export function randomSeed(): number {
  return Math.floor(Math.random() * MAX_SEED);
}
