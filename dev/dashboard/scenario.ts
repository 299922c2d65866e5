/**
 * What the dashboard picture's run does, as data: a steady load, a second replica joining, a few
 * invalid events, a burst of SMTP 4xx replies, a Redis outage (sent ledger and send-rate budget), the
 * primary relay down (traffic moves to the fallback relay and back) and both relays down, each at a
 * time from the start of the load. The picture marks each step on every graph.
 */
export type ScenarioStep =
  | { readonly kind: 'scale-out'; readonly atS: number; readonly pod: string }
  | { readonly kind: 'invalid-events'; readonly atS: number; readonly count: number }
  | { readonly kind: 'smtp-4xx'; readonly atS: number; readonly untilS: number; readonly transient: number; readonly permanent: number }
  | { readonly kind: 'ledger-outage'; readonly atS: number; readonly untilS: number }
  | { readonly kind: 'primary-relay-outage'; readonly atS: number; readonly untilS: number }
  | { readonly kind: 'smtp-outage'; readonly atS: number; readonly untilS: number };

export interface Scenario {
  /** Sign-up events produced per second from 0 to `endS`. */
  readonly eventsPerSecond: number;
  /** The replica running from the start; others join through `scale-out` steps. */
  readonly firstPod: string;
  readonly endS: number;
  readonly steps: readonly ScenarioStep[];
}

/** About 3 minutes: each fault has ended and drained before the next one starts. */
export const DASHBOARD_SCENARIO: Scenario = {
  eventsPerSecond: 40,
  firstPod: 'email-dispatcher-a',
  endS: 175,
  steps: [
    { kind: 'scale-out', atS: 10, pod: 'email-dispatcher-b' },
    { kind: 'invalid-events', atS: 20, count: 30 },
    { kind: 'smtp-4xx', atS: 30, untilS: 50, transient: 0.3, permanent: 0.03 },
    { kind: 'ledger-outage', atS: 65, untilS: 77 },
    { kind: 'primary-relay-outage', atS: 90, untilS: 110 },
    { kind: 'smtp-outage', atS: 125, untilS: 150 },
  ],
};

export function stepLabel(step: ScenarioStep): string {
  switch (step.kind) {
    case 'scale-out':
      return `${step.pod} starts`;
    case 'invalid-events':
      return `${step.count} invalid events`;
    case 'smtp-4xx':
      return `SMTP 4xx burst (${Math.round(step.transient * 100)} % 451, ${Math.round(step.permanent * 100)} % 550)`;
    case 'ledger-outage':
      return 'Redis down (sent ledger, send-rate budget)';
    case 'primary-relay-outage':
      return 'primary SMTP relay down (fallback takes over)';
    case 'smtp-outage':
      return 'both SMTP relays down';
  }
}

/** Every replica the run starts, the first one first. */
export function scenarioPods({ firstPod, steps }: Scenario): string[] {
  return [firstPod, ...steps.flatMap((s) => (s.kind === 'scale-out' ? [s.pod] : []))];
}

export interface TimelineEntry {
  readonly atS: number;
  readonly edge: 'start' | 'end';
  readonly step: ScenarioStep;
}

/** Every start and end in time order; throws naming a step that falls outside 0..endS or ends before it starts. */
export function timeline({ endS, steps }: Scenario): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const step of steps) {
    const untilS = 'untilS' in step ? step.untilS : undefined;
    if (!(step.atS >= 0 && (untilS ?? step.atS) <= endS && (untilS === undefined || untilS > step.atS))) {
      throw new RangeError(`scenario step "${stepLabel(step)}" must lie within 0..${endS} s and end after it starts`);
    }
    entries.push({ atS: step.atS, edge: 'start', step });
    if (untilS !== undefined) entries.push({ atS: untilS, edge: 'end', step });
  }
  return entries.sort((a, b) => a.atS - b.atS);
}
