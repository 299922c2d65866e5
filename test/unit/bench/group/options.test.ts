import { describe, expect, it } from 'vitest';

import { parseScaleArgs, parseSigkillArgs, sigkillBacklog } from '../../../../bench/group/options.js';

describe('parseScaleArgs', () => {
  it('scales 1 → 2 → 3 → 2 → 1 over 36 partitions with the service defaults, from this checkout', () => {
    expect(parseScaleArgs([], '/repo')).toMatchObject({
      serviceRoot: '/repo',
      members: [1, 2, 3, 2, 1],
      partitions: 36,
      backlog: 6_000,
      latencyMs: 150,
      workers: 10,
      buffer: 100,
    });
  });

  it('runs the service of another checkout', () => {
    expect(parseScaleArgs(['--service-root', '/work/before'], '/repo').serviceRoot).toBe('/work/before');
  });

  it('refuses a size repeated in a row, which would be no scale event', () => {
    expect(() => parseScaleArgs(['--members', '1,2,2'], '/repo')).toThrow('consecutive sizes must differ');
  });

  it('refuses a buffer smaller than the workers, as the service would', () => {
    expect(() => parseScaleArgs(['--workers', '20', '--buffer', '10'], '/repo')).toThrow('--buffer must be >= --workers (20)');
  });
});

describe('parseSigkillArgs', () => {
  it('kills five times, with and without the ledger, 50 workers', () => {
    expect(parseSigkillArgs([], '/repo')).toMatchObject({ kills: 5, ledger: 'both', workers: 50, leaseMs: 0, smtpTimeoutMs: 10_000 });
  });

  it("runs the ledger with the service's own lease unless --lease-ms says otherwise; a lease shorter than the SMTP timeout is fine (it is renewed)", () => {
    expect(parseSigkillArgs(['--lease-ms', '5000'], '/repo').leaseMs).toBe(5_000);
  });

  it('refuses an unknown ledger arm', () => {
    expect(() => parseSigkillArgs(['--ledger', 'maybe'], '/repo')).toThrow('--ledger expects off, on or both');
  });
});

describe('sigkillBacklog', () => {
  it('covers every kill cycle at the expected rate with half again as headroom', () => {
    expect(sigkillBacklog({ backlog: 0, kills: 5, runS: 8, expectedRate: 1_000 })).toBe(67_500);
  });

  it('takes an explicit backlog as given', () => {
    expect(sigkillBacklog({ backlog: 1_234, kills: 5, runS: 8, expectedRate: 1_000 })).toBe(1_234);
  });
});
