/**
 * The faults a chaos run injects. Instance targets are fractions in [0, 1): the schedule is planned
 * before the run, the instances exist only at run time, so a fault picks `floor(target × running)`.
 */
export type Fault =
  /** SIGKILL one instance (no shutdown at all), start a new one after `restartAfterMs`. */
  | { readonly kind: 'sigkill'; readonly target: number; readonly restartAfterMs: number }
  /** SIGTERM one instance (graceful shutdown), start a new one once it exited. */
  | { readonly kind: 'sigterm'; readonly target: number }
  /** One more instance joins the group. */
  | { readonly kind: 'join' }
  /** One instance leaves for good (SIGTERM, no restart). */
  | { readonly kind: 'leave'; readonly target: number }
  /** SIGKILL the node that coordinates the group (commits in flight to it may be lost); it starts again after `downMs`. */
  | { readonly kind: 'kill-coordinator'; readonly downMs: number }
  /** SIGKILL the node that leads partition `floor(target × partitions)` of the source topic; it starts again after `downMs`. */
  | { readonly kind: 'kill-leader'; readonly target: number; readonly downMs: number }
  /** Every node in turn: controlled shutdown, start, back in sync before the next. */
  | { readonly kind: 'rolling-restart' }
  /** The primary SMTP relay refuses connections (`refuse`) or greets with 421 (`reply-421`). */
  | { readonly kind: 'smtp-outage'; readonly durationMs: number; readonly mode: 'refuse' | 'reply-421' }
  /** Every mail takes `latencyMs` longer before the server answers DATA. */
  | { readonly kind: 'smtp-slow'; readonly durationMs: number; readonly latencyMs: number }
  /** Every SMTP transaction is answered `451 4.7.1` at RCPT: transient, to be retried. */
  | { readonly kind: 'smtp-4xx-burst'; readonly durationMs: number }
  /** `count` partitions are added to the source topic (KafkaJS admin.createPartitions). */
  | { readonly kind: 'add-partitions'; readonly count: number }
  /** The fallback relay refuses connections while the primary works. Needs the fallback. */
  | { readonly kind: 'fallback-outage'; readonly durationMs: number }
  /** Both relays refuse connections. Needs the fallback. */
  | { readonly kind: 'relays-down'; readonly durationMs: number }
  /** The primary is down and the fallback answers our login with 535 (its password changed). Needs the fallback. */
  | { readonly kind: 'fallback-auth-refused'; readonly durationMs: number }
  /** Redis refuses connections (the proxy in front of it drops them). Needs the ledger or the cluster rate. */
  | { readonly kind: 'redis-down'; readonly durationMs: number }
  /** Every Redis reply arrives `latencyMs` late (the proxy holds it). Needs the ledger or the cluster rate. */
  | { readonly kind: 'redis-slow'; readonly durationMs: number; readonly latencyMs: number }
  /** The receipts topic refuses writes (its max.message.bytes below any receipt). Needs receipts. */
  | { readonly kind: 'receipts-unwritable'; readonly durationMs: number };

export type FaultKind = Fault['kind'];

export const FAULT_KINDS: readonly FaultKind[] = [
  'sigkill',
  'sigterm',
  'join',
  'leave',
  'kill-coordinator',
  'kill-leader',
  'rolling-restart',
  'smtp-outage',
  'smtp-slow',
  'smtp-4xx-burst',
  'add-partitions',
  'fallback-outage',
  'relays-down',
  'fallback-auth-refused',
  'redis-down',
  'redis-slow',
  'receipts-unwritable',
];

/** The features a chaos run turns on; each draws its own faults. */
export interface ChaosFeatures {
  /** KAFKA_RECEIPTS_TOPIC */
  readonly receipts: boolean;
  /** SMTP_FALLBACK_HOST (with a login the fallback checks) */
  readonly fallback: boolean;
  /** EMAIL_RATE_LIMIT_SCOPE=cluster through Redis */
  readonly clusterRate: boolean;
  /** The Redis sent ledger. The service takes its URL from REDIS_URL too, so the cluster rate brings it along. */
  readonly ledger: boolean;
}

export const ALL_FEATURES: ChaosFeatures = { receipts: true, fallback: true, clusterRate: true, ledger: true };
export const NO_FEATURES: ChaosFeatures = { receipts: false, fallback: false, clusterRate: false, ledger: false };

/** Whether a fault kind can be applied with these features on. */
export function kindNeeds(kind: FaultKind, f: ChaosFeatures): boolean {
  switch (kind) {
    case 'fallback-outage':
    case 'relays-down':
    case 'fallback-auth-refused':
      return f.fallback;
    case 'redis-down':
    case 'redis-slow':
      return f.ledger || f.clusterRate;
    case 'receipts-unwritable':
      return f.receipts;
    default:
      return true;
  }
}

/** Faults that take a Kafka node away: the group's commits or a partition's leader move. */
export function isBrokerFault(kind: FaultKind): boolean {
  return kind === 'kill-coordinator' || kind === 'kill-leader' || kind === 'rolling-restart';
}

export interface ScheduledFault {
  /** Since the start of the chaos phase. */
  readonly atMs: number;
  readonly fault: Fault;
}

/**
 * SMTP faults during which every attempt may fail: what could, in principle, exhaust a message's
 * retries. A primary outage counts even with the fallback on: sends fail until the primary's circuit opens.
 */
export function isSmtpFailure(fault: Fault): fault is Extract<Fault, { kind: 'smtp-outage' | 'smtp-4xx-burst' | 'relays-down' | 'fallback-auth-refused' }> {
  return fault.kind === 'smtp-outage' || fault.kind === 'smtp-4xx-burst' || fault.kind === 'relays-down' || fault.kind === 'fallback-auth-refused';
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'sigkill':
      return `SIGKILL instance @${fault.target.toFixed(2)}, restart after ${seconds(fault.restartAfterMs)}`;
    case 'sigterm':
      return `SIGTERM instance @${fault.target.toFixed(2)}, restart when it exited`;
    case 'join':
      return 'an instance joins';
    case 'leave':
      return `instance @${fault.target.toFixed(2)} leaves (SIGTERM)`;
    case 'kill-coordinator':
      return `SIGKILL the group coordinator's node, restart after ${seconds(fault.downMs)}`;
    case 'kill-leader':
      return `SIGKILL the leader of partition @${fault.target.toFixed(2)}, restart after ${seconds(fault.downMs)}`;
    case 'rolling-restart':
      return 'rolling restart of every Kafka node';
    case 'smtp-outage':
      return `SMTP outage (${fault.mode}) for ${seconds(fault.durationMs)}`;
    case 'smtp-slow':
      return `SMTP +${fault.latencyMs} ms per mail for ${seconds(fault.durationMs)}`;
    case 'smtp-4xx-burst':
      return `SMTP 451 to every mail for ${seconds(fault.durationMs)}`;
    case 'add-partitions':
      return `+${fault.count} partition(s)`;
    case 'fallback-outage':
      return `fallback relay down for ${seconds(fault.durationMs)}`;
    case 'relays-down':
      return `both relays down for ${seconds(fault.durationMs)}`;
    case 'fallback-auth-refused':
      return `primary down and the fallback refusing our login for ${seconds(fault.durationMs)}`;
    case 'redis-down':
      return `Redis down for ${seconds(fault.durationMs)}`;
    case 'redis-slow':
      return `Redis +${fault.latencyMs} ms per reply for ${seconds(fault.durationMs)}`;
    case 'receipts-unwritable':
      return `receipts topic unwritable for ${seconds(fault.durationMs)}`;
    default: {
      const never: never = fault;
      throw new Error(`unknown fault ${JSON.stringify(never)}`);
    }
  }
}

export function describeSchedule(schedule: readonly ScheduledFault[]): string {
  return schedule.map(({ atMs, fault }) => `  t+${seconds(atMs).padStart(7)}  ${describeFault(fault)}`).join('\n');
}

/** `receipts, fallback, rate, ledger` (those on), or `no features`. */
export function describeFeatures(f: ChaosFeatures): string {
  const on = [f.receipts && 'receipts', f.fallback && 'fallback', f.clusterRate && 'rate', f.ledger && 'ledger'].filter(Boolean);
  return on.length === 0 ? 'no features' : on.join(', ');
}
