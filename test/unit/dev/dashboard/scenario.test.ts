import { describe, expect, it } from 'vitest';

import { DASHBOARD_SCENARIO, scenarioPods, stepLabel, timeline } from '../../../../dev/dashboard/scenario.js';

describe('the dashboard scenario', () => {
  it('starts and ends every step in time order, within the run', () => {
    const entries = timeline(DASHBOARD_SCENARIO);
    expect(entries.map((e) => e.atS)).toEqual([...entries.map((e) => e.atS)].sort((a, b) => a - b));
    expect(entries.map((e) => `${e.atS} ${e.edge} ${e.step.kind}`)).toContain('125 start smtp-outage');
    expect(entries.every((e) => e.atS <= DASHBOARD_SCENARIO.endS)).toBe(true);
  });

  it('runs two replicas and faults that do not overlap', () => {
    expect(scenarioPods(DASHBOARD_SCENARIO)).toEqual(['email-dispatcher-a', 'email-dispatcher-b']);
    const faults = DASHBOARD_SCENARIO.steps.flatMap((s) => ('untilS' in s ? [[s.atS, s.untilS] as const] : []));
    faults.forEach(([, end], i) => expect(faults[i + 1]?.[0] ?? Infinity).toBeGreaterThan(end));
  });

  it('moves traffic to the fallback relay and back: the primary relay down alone, before and apart from both relays down', () => {
    const relayOutage = DASHBOARD_SCENARIO.steps.find((s) => s.kind === 'primary-relay-outage');
    const bothDown = DASHBOARD_SCENARIO.steps.find((s) => s.kind === 'smtp-outage');
    expect(relayOutage && bothDown && relayOutage.untilS < bothDown.atS).toBe(true);
    expect(relayOutage && relayOutage.untilS - relayOutage.atS).toBeGreaterThanOrEqual(15);
  });

  it('refuses a step that ends before it starts or after the run', () => {
    const bad = { ...DASHBOARD_SCENARIO, steps: [{ kind: 'smtp-outage', atS: 170, untilS: 190 } as const] };
    expect(() => timeline(bad)).toThrow('both SMTP relays down');
  });

  it('labels each step for the picture', () => {
    expect(stepLabel({ kind: 'smtp-4xx', atS: 0, untilS: 1, transient: 0.3, permanent: 0.03 })).toBe('SMTP 4xx burst (30 % 451, 3 % 550)');
    expect(stepLabel({ kind: 'scale-out', atS: 0, pod: 'p' })).toBe('p starts');
    expect(stepLabel({ kind: 'primary-relay-outage', atS: 0, untilS: 1 })).toBe('primary SMTP relay down (fallback takes over)');
  });
});
