import { describe, expect, it } from 'vitest';

import type { AppliedFault } from '../../../test/chaos/fault-runner.js';
import { exitViolations } from '../../../test/chaos/fleet-history.js';
import type { FleetEvent } from '../../../test/chaos/service-fleet.js';

const authRefused: AppliedFault = {
  kind: 'fallback-auth-refused',
  plannedAtMs: 60_000,
  atMs: 60_000,
  endMs: 66_000,
  detail: '',
  outcome: 'applied',
  note: undefined,
};
const startupRefusal = {
  code: 'ERR_FATAL_STARTUP',
  msg: 'startup failed: the fallback SMTP relay (SMTP_FALLBACK_HOST) rejected the credentials of SMTP_FALLBACK_USER / SMTP_FALLBACK_PASS',
};

describe('exitViolations', () => {
  it('when an instance exits at start because the fallback refuses its login during fallback-auth-refused › expected, no violation', () => {
    const events: FleetEvent[] = [{ atMs: 63_000, member: 'svc-4', what: 'unexpected-exit', code: 1, fatal: startupRefusal }];
    expect(exitViolations(events, [authRefused])).toEqual([]);
  });

  it('when the same exit comes with no such fault running › a violation naming it', () => {
    const events: FleetEvent[] = [{ atMs: 90_000, member: 'svc-4', what: 'unexpected-exit', code: 1, fatal: startupRefusal }];
    expect(exitViolations(events, [authRefused])).toEqual(['1 instance exit(s) by themselves: svc-4 exited 1 at t+90.0s']);
  });

  it('when a running instance exits for another reason during fallback-auth-refused › a violation', () => {
    const events: FleetEvent[] = [
      {
        atMs: 63_000,
        member: 'svc-2',
        what: 'unexpected-exit',
        code: 1,
        fatal: { code: 'ERR_SMTP_AUTH', msg: 'SMTP relay rejected the credentials of SMTP_USER' },
      },
    ];
    expect(exitViolations(events, [authRefused])).toEqual(['1 instance exit(s) by themselves: svc-2 exited 1 at t+63.0s during fallback-auth-refused']);
  });
});
