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
  /** The broker stops (controlled shutdown), stays down `downMs`, starts again on the same data. */
  | { readonly kind: 'broker-restart'; readonly downMs: number }
  /** The SMTP server refuses connections (`refuse`) or greets with 421 (`reply-421`). */
  | { readonly kind: 'smtp-outage'; readonly durationMs: number; readonly mode: 'refuse' | 'reply-421' }
  /** Every mail takes `latencyMs` longer before the server answers DATA. */
  | { readonly kind: 'smtp-slow'; readonly durationMs: number; readonly latencyMs: number }
  /** Every SMTP transaction is answered `451 4.7.1` at RCPT: transient, to be retried. */
  | { readonly kind: 'smtp-4xx-burst'; readonly durationMs: number }
  /** `count` partitions are added to the source topic (KafkaJS admin.createPartitions). */
  | { readonly kind: 'add-partitions'; readonly count: number };

export type FaultKind = Fault['kind'];

export const FAULT_KINDS: readonly FaultKind[] = [
  'sigkill',
  'sigterm',
  'join',
  'leave',
  'broker-restart',
  'smtp-outage',
  'smtp-slow',
  'smtp-4xx-burst',
  'add-partitions',
];

export interface ScheduledFault {
  /** Since the start of the chaos phase. */
  readonly atMs: number;
  readonly fault: Fault;
}

/** SMTP faults during which every attempt fails: what could, in principle, exhaust a message's retries. */
export function isSmtpFailure(fault: Fault): fault is Extract<Fault, { kind: 'smtp-outage' | 'smtp-4xx-burst' }> {
  return fault.kind === 'smtp-outage' || fault.kind === 'smtp-4xx-burst';
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
    case 'broker-restart':
      return `broker stopped for ${seconds(fault.downMs)}`;
    case 'smtp-outage':
      return `SMTP outage (${fault.mode}) for ${seconds(fault.durationMs)}`;
    case 'smtp-slow':
      return `SMTP +${fault.latencyMs} ms per mail for ${seconds(fault.durationMs)}`;
    case 'smtp-4xx-burst':
      return `SMTP 451 to every mail for ${seconds(fault.durationMs)}`;
    case 'add-partitions':
      return `+${fault.count} partition(s)`;
    default: {
      const never: never = fault;
      throw new Error(`unknown fault ${JSON.stringify(never)}`);
    }
  }
}

export function describeSchedule(schedule: readonly ScheduledFault[]): string {
  return schedule.map(({ atMs, fault }) => `  t+${seconds(atMs).padStart(7)}  ${describeFault(fault)}`).join('\n');
}
