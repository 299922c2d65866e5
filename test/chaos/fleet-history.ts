import type { Disruption } from './duplicate-bound.js';
import type { AppliedFault } from './fault-runner.js';
import type { FleetEvent } from './service-fleet.js';

/**
 * Members starting and exiting during the run (not the first ones, not the final stop): each moves
 * partitions. An exit other than 0 is a crash: no graceful shutdown, no final commit.
 */
export function memberDisruptions(events: readonly FleetEvent[], before: number): Disruption[] {
  return events
    .filter((e) => e.atMs >= 0 && e.atMs < before && (e.what === 'started' || e.what === 'exited' || e.what === 'unexpected-exit'))
    .map((e) => ({
      atMs: e.atMs,
      kind: `${e.member} ${e.what}`,
      crash: e.what !== 'started' && e.code !== 0,
      members: Math.max(1, membersAt(events, e.atMs)),
    }));
}

/**
 * An instance that exits by itself is a violation: every fault here is one the service waits out
 * (a relay refusing logins while the other can send, Kafka nodes away, Redis away), and a restart
 * re-sends what it had not committed. Each exit names the faults active then. One exit is expected:
 * at start, before it took any partition, an instance whose fallback relay refuses its login exits
 * with one line naming SMTP_FALLBACK_* (start-up checks both relays and fails fast on credentials),
 * which only `fallback-auth-refused` brings about.
 */
export function exitViolations(events: readonly FleetEvent[], applied: readonly AppliedFault[]): string[] {
  const activeAt = (atMs: number): string[] => [
    ...new Set(applied.filter((a) => a.outcome === 'applied' && a.atMs <= atMs && (a.endMs ?? Infinity) + 2_000 >= atMs).map((a) => a.kind)),
  ];
  const exits = events.filter((e) => e.what === 'unexpected-exit' && !expectedStartupExit(e, activeAt(e.atMs)));
  if (exits.length === 0) return [];
  const during = (atMs: number): string => {
    const active = activeAt(atMs);
    return active.length === 0 ? '' : ` during ${active.join(', ')}`;
  };
  return [
    `${exits.length} instance exit(s) by themselves: ${exits.map((e) => `${e.member} exited ${e.code} at t+${(e.atMs / 1000).toFixed(1)}s${during(e.atMs)}`).join('; ')}`,
  ];
}

/** A start-up refusal of the fallback relay's login while the fault that causes it ran. */
export function expectedStartupExit(exit: FleetEvent, activeFaults: readonly string[]): boolean {
  return activeFaults.includes('fallback-auth-refused') && exit.fatal?.code === 'ERR_FATAL_STARTUP' && exit.fatal.msg.includes('SMTP_FALLBACK_');
}

/** Members alive at `atMs` (a member that exits at that moment still counts: its sends were in flight). */
export function membersAt(events: readonly FleetEvent[], atMs: number): number {
  let alive = 0;
  for (const e of events) {
    if (e.atMs > atMs) break;
    if (e.what === 'started') alive += 1;
    else if ((e.what === 'exited' || e.what === 'unexpected-exit') && e.atMs < atMs) alive -= 1;
  }
  return alive;
}

/** The most members alive at once, from the fleet's start and exit events. */
export function peakMembers(events: ReadonlyArray<{ what: string }>): number {
  let alive = 0;
  let peak = 0;
  for (const e of events) {
    if (e.what === 'started') peak = Math.max(peak, ++alive);
    else if (e.what === 'exited' || e.what === 'unexpected-exit') alive -= 1;
  }
  return peak;
}
