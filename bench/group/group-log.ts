/**
 * What a service process's log (pino JSON lines on stdout, KafkaJS routed through it) says about its
 * consumer-group membership: joins and their duration, rebalances, crashes, and the signs of an
 * eviction. The service logs every KafkaJS line at info and above, so no extra hook is needed.
 */

export type GroupLogEvent =
  /** KafkaJS "Consumer has joined the group": JoinGroup + SyncGroup done, `durationMs` of both. */
  | { readonly kind: 'kafka-joined'; readonly at: number; readonly memberId: string; readonly partitions: number; readonly durationMs: number | undefined }
  /** The service's own "joined consumer group" (its GROUP_JOIN handler: assignment applied). */
  | { readonly kind: 'app-joined'; readonly at: number; readonly partitions: number; readonly revoked: number; readonly abandoned: number | undefined }
  /** KafkaJS "The group is rebalancing, re-joining", or a heartbeat answered so: this member was told of a rebalance. */
  | { readonly kind: 'rebalancing'; readonly at: number; readonly memberId: string | undefined }
  /** The coordinator no longer knows this member (UNKNOWN_MEMBER_ID): it was removed from the group. */
  | { readonly kind: 'unknown-member'; readonly at: number; readonly memberId: string | undefined; readonly line: string }
  /** KafkaJS "Crash: …" (the consumer restarts or gives up). */
  | { readonly kind: 'crash'; readonly at: number; readonly line: string }
  /** KafkaJS "Starting": consumer.run() called, the first JoinGroup follows. */
  | { readonly kind: 'starting'; readonly at: number }
  | { readonly kind: 'shutting-down'; readonly at: number }
  | { readonly kind: 'stopped'; readonly at: number };

export type GroupLogKind = GroupLogEvent['kind'];

const UNKNOWN_MEMBER = /UNKNOWN_MEMBER_ID|The coordinator is not aware of this member/;
const EVIDENCE_CHARS = 400;

interface PinoLine {
  readonly time?: string | number;
  readonly msg?: string;
  readonly memberId?: string;
  readonly memberAssignment?: Record<string, readonly number[]>;
  readonly duration?: number;
  readonly partitions?: readonly number[];
  readonly revoked?: readonly number[];
  readonly abandoned?: number;
  /** KafkaJS connection lines carry the broker's error here ("Response Heartbeat(…)"). */
  readonly error?: unknown;
}

/** One event per line that matters; other lines (and anything that is not JSON) are skipped. */
export function parseGroupLog(text: string): GroupLogEvent[] {
  const events: GroupLogEvent[] = [];
  for (const raw of text.split('\n')) {
    if (!raw.startsWith('{')) continue;
    let line: PinoLine;
    try {
      line = JSON.parse(raw) as PinoLine;
    } catch {
      continue;
    }
    const at = typeof line.time === 'number' ? line.time : Date.parse(line.time ?? '');
    if (!Number.isFinite(at)) continue;
    const event = classify(line, raw, at);
    if (event) events.push(event);
  }
  return events;
}

function classify(line: PinoLine, raw: string, at: number): GroupLogEvent | undefined {
  const msg = line.msg ?? '';
  if (msg === 'Consumer has joined the group') {
    const partitions = Object.values(line.memberAssignment ?? {}).reduce((n, list) => n + list.length, 0);
    return { kind: 'kafka-joined', at, memberId: line.memberId ?? '', partitions, durationMs: line.duration };
  }
  if (msg === 'joined consumer group') {
    return { kind: 'app-joined', at, partitions: line.partitions?.length ?? 0, revoked: line.revoked?.length ?? 0, abandoned: line.abandoned };
  }
  // Checked before the generic lines: a failed commit or heartbeat names the error in its `err`.
  if (UNKNOWN_MEMBER.test(raw)) return { kind: 'unknown-member', at, memberId: line.memberId, line: raw.slice(0, EVIDENCE_CHARS) };
  // The runner's "re-joining" line, or a heartbeat answered REBALANCE_IN_PROGRESS: told of a rebalance.
  if (msg.startsWith('The group is rebalancing') || (typeof line.error === 'string' && line.error.startsWith('The group is rebalancing'))) {
    return { kind: 'rebalancing', at, memberId: line.memberId };
  }
  if (msg.startsWith('Crash:')) return { kind: 'crash', at, line: raw.slice(0, EVIDENCE_CHARS) };
  if (msg === 'Starting') return { kind: 'starting', at };
  if (msg === 'shutting down') return { kind: 'shutting-down', at };
  if (msg === 'stopped') return { kind: 'stopped', at };
  return undefined;
}

export interface Eviction {
  readonly at: number;
  readonly reason: 'unknown-member' | 'new-member-id';
  readonly evidence: string;
}

/**
 * Signs that the group removed this member: the coordinator answered UNKNOWN_MEMBER_ID ("The
 * coordinator is not aware of this member"), or the member joined again under a new member id
 * (KafkaJS only drops its id after UNKNOWN_MEMBER_ID). Several lines of one eviction are reported
 * once: an `unknown-member` line followed by the rejoin it caused counts as one.
 */
export function detectEvictions(events: readonly GroupLogEvent[]): Eviction[] {
  const out: Eviction[] = [];
  let memberId: string | undefined;
  let pendingUnknown = false;
  for (const e of events) {
    if (e.kind === 'unknown-member') {
      if (!pendingUnknown) out.push({ at: e.at, reason: 'unknown-member', evidence: e.line });
      pendingUnknown = true;
    } else if (e.kind === 'kafka-joined') {
      if (memberId !== undefined && e.memberId !== memberId && !pendingUnknown) {
        out.push({ at: e.at, reason: 'new-member-id', evidence: `joined as ${e.memberId}, was ${memberId}` });
      }
      memberId = e.memberId;
      pendingUnknown = false;
    }
  }
  return out;
}

/** The first event of `kind` at or after `t`. */
export function firstEvent<K extends GroupLogKind>(events: readonly GroupLogEvent[], kind: K, t = -Infinity): Extract<GroupLogEvent, { kind: K }> | undefined {
  return events.find((e): e is Extract<GroupLogEvent, { kind: K }> => e.kind === kind && e.at >= t);
}

/** Events of `kind` in [from, to). */
export function eventsBetween<K extends GroupLogKind>(
  events: readonly GroupLogEvent[],
  kind: K,
  from: number,
  to: number,
): Array<Extract<GroupLogEvent, { kind: K }>> {
  return events.filter((e): e is Extract<GroupLogEvent, { kind: K }> => e.kind === kind && e.at >= from && e.at < to);
}
