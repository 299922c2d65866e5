import {
  ALL_FEATURES,
  type ChaosFeatures,
  type Fault,
  FAULT_KINDS,
  type FaultKind,
  isBrokerFault,
  isSmtpFailure,
  kindNeeds,
  type ScheduledFault,
} from './fault.js';
import type { Prng } from './prng.js';

export interface FaultRanges {
  readonly sigkillRestartMs: readonly [number, number];
  readonly brokerDownMs: readonly [number, number];
  readonly smtpOutageMs: readonly [number, number];
  readonly smtpSlowMs: readonly [number, number];
  readonly smtpSlowLatencyMs: number;
  readonly smtp4xxBurstMs: readonly [number, number];
  readonly addPartitions: readonly [number, number];
  readonly relayOutageMs: readonly [number, number];
  readonly redisDownMs: readonly [number, number];
  readonly redisSlowMs: readonly [number, number];
  readonly redisLatencyMs: number;
  readonly receiptsUnwritableMs: readonly [number, number];
}

export const DEFAULT_RANGES: FaultRanges = {
  sigkillRestartMs: [1_000, 5_000],
  brokerDownMs: [5_000, 10_000],
  smtpOutageMs: [5_000, 15_000],
  smtpSlowMs: [8_000, 20_000],
  smtpSlowLatencyMs: 150,
  smtp4xxBurstMs: [2_000, 8_000],
  addPartitions: [1, 2],
  relayOutageMs: [5_000, 12_000],
  redisDownMs: [3_000, 8_000],
  redisSlowMs: [5_000, 10_000],
  redisLatencyMs: 300,
  receiptsUnwritableMs: [5_000, 10_000],
};

export interface PlanOptions {
  readonly prng: Prng;
  /** Length of the chaos phase (the producer runs throughout). */
  readonly durationMs: number;
  /** How many faults to place. */
  readonly faults: number;
  /** Place every kind at least once when the timing allows it. */
  readonly everyKindOnce: boolean;
  /** Kinds placed first, before random ones (the short form names its own). @default every kind when everyKindOnce */
  readonly requiredKinds?: readonly FaultKind[];
  /** Kinds that need a feature are only placed when it is on. @default every feature on */
  readonly features?: ChaosFeatures;
  /** Kinds never placed (pending a fix, see PENDING_KINDS in chaos-scale.ts). @default none */
  readonly excludedKinds?: readonly FaultKind[];
  readonly instances: { readonly initial: number; readonly min: number; readonly max: number };
  /**
   * The retry window: the time from a first failed attempt to the last retry (1 s + 5 s + 10 s).
   * Every SMTP failure window is shorter than it, and failure windows start at least this long (plus
   * a margin) after the previous one ended — longer than the longest delay plus how late a retry may
   * start (10 s + RETRY_LATENESS_MS) — so no message can meet a failure at every attempt: a
   * `retries_exhausted` dead letter is then a defect, not bad luck (retries-could-exhaust.ts).
   */
  readonly retryWindowMs: number;
  /** Faults that take a Kafka node away start this far apart (the runner also never overlaps them). @default 25_000 */
  readonly brokerRestartSpacingMs?: number;
  /** No fault before this: the group forms first. @default 2_000 */
  readonly leadMs?: number;
  /** No fault starts in the last `tailMs`. @default 4_000 */
  readonly tailMs?: number;
  /** At most this many add-partitions faults. @default 2 */
  readonly maxPartitionAdds?: number;
  readonly ranges?: Partial<FaultRanges>;
  /** Relative weights of the kinds drawn beyond the required ones. @default 1 each */
  readonly weights?: Partial<Record<FaultKind, number>>;
}

/** Gap added to the retry window between SMTP failure windows. */
export const FAILURE_SPACING_MARGIN_MS = 2_000;

interface PlanState {
  members: number;
  lastBrokerAt: number;
  failureFreeFrom: number;
  slowFreeFrom: number;
  partitionAdds: number;
}

/**
 * A random fault schedule, the same for the same seed and options. Faults sit in evenly spaced slots
 * with jitter; each slot takes the first pending kind that is feasible there (instance count within
 * bounds, SMTP failure windows apart, broker restarts apart), else a random feasible kind.
 */
export function planSchedule(o: PlanOptions): ScheduledFault[] {
  const ranges: FaultRanges = { ...DEFAULT_RANGES, ...o.ranges };
  const { prng, instances } = o;
  const lead = o.leadMs ?? 2_000;
  const tail = o.tailMs ?? 4_000;
  const brokerSpacing = o.brokerRestartSpacingMs ?? 25_000;
  const maxAdds = o.maxPartitionAdds ?? 2;
  if (!(instances.min >= 1 && instances.min <= instances.initial && instances.initial <= instances.max)) {
    throw new RangeError(`Expected 1 <= min <= initial <= max instances, got ${JSON.stringify(instances)}`);
  }
  for (const [name, range] of [
    ['smtpOutageMs', ranges.smtpOutageMs],
    ['smtp4xxBurstMs', ranges.smtp4xxBurstMs],
  ] as const) {
    if (range[1] >= o.retryWindowMs) throw new RangeError(`Expected ${name} shorter than the retry window (${o.retryWindowMs} ms), got up to ${range[1]} ms`);
  }
  const span = o.durationMs - lead - tail;
  if (span <= 0 || o.faults < 0) throw new RangeError(`Expected durationMs > leadMs + tailMs and faults >= 0`);

  const features = o.features ?? ALL_FEATURES;
  const placeable = (kind: FaultKind): boolean => kindNeeds(kind, features) && !(o.excludedKinds ?? []).includes(kind);
  const weights = FAULT_KINDS.map((kind) => (placeable(kind) ? (o.weights?.[kind] ?? 1) : 0));
  const draw = (allowed: readonly FaultKind[]): FaultKind | undefined => {
    const pool = FAULT_KINDS.map((kind, i) => (allowed.includes(kind) ? (weights[i] as number) : 0));
    const total = pool.reduce((a, b) => a + b, 0);
    if (total <= 0) return undefined;
    let roll = prng.next() * total;
    for (let i = 0; i < FAULT_KINDS.length; i++) {
      roll -= pool[i] as number;
      if (roll < 0) return FAULT_KINDS[i];
    }
    return undefined;
  };

  // Kinds with spacing rules go first, so they get the early slots and the later ones stay free for
  // their second window: in a short run every kind then fits.
  // A rolling restart is the longest (every node in turn): the node kills go before it.
  const constrained = (kind: FaultKind): number => (isFailureKind(kind) ? 0 : kind === 'rolling-restart' ? 1.5 : isBrokerFault(kind) ? 1 : 2);
  const required = (o.requiredKinds ?? (o.everyKindOnce ? FAULT_KINDS : [])).filter(placeable);
  const pending: FaultKind[] = prng.shuffle(required).sort((a, b) => constrained(a) - constrained(b));
  while (pending.length < o.faults) {
    const kind = draw(FAULT_KINDS);
    if (kind === undefined) break;
    pending.push(kind);
  }

  const state: PlanState = { members: instances.initial, lastBrokerAt: -Infinity, failureFreeFrom: 0, slowFreeFrom: 0, partitionAdds: 0 };
  const feasible = (kind: FaultKind, at: number): boolean => {
    if (!placeable(kind)) return false;
    switch (kind) {
      case 'sigkill':
      case 'sigterm':
        return state.members >= 1;
      case 'join':
        return state.members < instances.max;
      case 'leave':
        return state.members > instances.min;
      case 'kill-coordinator':
      case 'kill-leader':
      case 'rolling-restart':
        return at - state.lastBrokerAt >= brokerSpacing;
      case 'smtp-outage':
      case 'smtp-4xx-burst':
      case 'relays-down':
      case 'fallback-auth-refused':
        return at >= state.failureFreeFrom;
      case 'fallback-outage':
      case 'redis-down':
      case 'redis-slow':
      case 'receipts-unwritable':
        return true;
      case 'smtp-slow':
        return at >= state.slowFreeFrom;
      case 'add-partitions':
        return state.partitionAdds < maxAdds;
      default: {
        const never: never = kind;
        throw new Error(`unknown fault kind ${String(never)}`);
      }
    }
  };
  const between = (range: readonly [number, number]): number => prng.int(range[0], range[1]);
  const build = (kind: FaultKind, at: number): Fault => {
    switch (kind) {
      case 'sigkill':
        return { kind, target: prng.next(), restartAfterMs: between(ranges.sigkillRestartMs) };
      case 'sigterm':
        return { kind, target: prng.next() };
      case 'join':
        state.members += 1;
        return { kind };
      case 'leave':
        state.members -= 1;
        return { kind, target: prng.next() };
      case 'kill-coordinator':
        state.lastBrokerAt = at;
        return { kind, downMs: between(ranges.brokerDownMs) };
      case 'kill-leader':
        state.lastBrokerAt = at;
        return { kind, target: prng.next(), downMs: between(ranges.brokerDownMs) };
      case 'rolling-restart':
        state.lastBrokerAt = at;
        return { kind };
      case 'fallback-outage':
        return { kind, durationMs: between(ranges.relayOutageMs) };
      case 'redis-down':
        return { kind, durationMs: between(ranges.redisDownMs) };
      case 'redis-slow':
        return { kind, durationMs: between(ranges.redisSlowMs), latencyMs: ranges.redisLatencyMs };
      case 'receipts-unwritable':
        return { kind, durationMs: between(ranges.receiptsUnwritableMs) };
      case 'smtp-outage':
      case 'smtp-4xx-burst':
      case 'relays-down':
      case 'fallback-auth-refused': {
        const fault: Extract<Fault, { durationMs: number }> =
          kind === 'smtp-outage'
            ? { kind, durationMs: between(ranges.smtpOutageMs), mode: prng.chance(0.5) ? 'refuse' : 'reply-421' }
            : kind === 'smtp-4xx-burst'
              ? { kind, durationMs: between(ranges.smtp4xxBurstMs) }
              : { kind, durationMs: between(ranges.smtpOutageMs) };
        state.failureFreeFrom = at + fault.durationMs + o.retryWindowMs + FAILURE_SPACING_MARGIN_MS;
        return fault;
      }
      case 'smtp-slow': {
        const durationMs = between(ranges.smtpSlowMs);
        state.slowFreeFrom = at + durationMs;
        return { kind, durationMs, latencyMs: ranges.smtpSlowLatencyMs };
      }
      case 'add-partitions':
        state.partitionAdds += 1;
        return { kind, count: between(ranges.addPartitions) };
      default: {
        const never: never = kind;
        throw new Error(`unknown fault kind ${String(never)}`);
      }
    }
  };

  const schedule: ScheduledFault[] = [];
  const slots = Math.max(o.faults, 0);
  const slotMs = span / Math.max(slots, 1);
  for (let i = 0; i < slots; i++) {
    const at = Math.round(lead + (i + prng.float(0.1, 0.9)) * slotMs);
    const index = pending.findIndex((kind) => feasible(kind, at));
    const kind = index >= 0 ? pending.splice(index, 1)[0] : draw(FAULT_KINDS.filter((k) => feasible(k, at)));
    if (kind === undefined) continue;
    schedule.push({ atMs: at, fault: build(kind, at) });
  }
  return schedule;
}

function isFailureKind(kind: FaultKind): boolean {
  return kind === 'smtp-outage' || kind === 'smtp-4xx-burst' || kind === 'relays-down' || kind === 'fallback-auth-refused';
}

/** The SMTP failure windows a schedule plans, in chaos-phase time. */
export function plannedFailureWindows(schedule: readonly ScheduledFault[]): Array<{ startMs: number; endMs: number }> {
  return schedule.flatMap(({ atMs, fault }) => (isSmtpFailure(fault) ? [{ startMs: atMs, endMs: atMs + fault.durationMs }] : []));
}
