import { describe, expect, it } from 'vitest';

import { RedriveUsageError } from '../../../src/platform/service-error.js';
import { parseRedriveArgs, REDRIVE_USAGE } from '../../../src/redrive/redrive-options.js';

describe('parseRedriveArgs', () => {
  it('without arguments › selects everything, loop guard 3, no rate limit, real run', () => {
    expect(parseRedriveArgs([])).toEqual({
      selection: { reasons: [], since: undefined, until: undefined, partitions: [], fromOffset: undefined, toOffset: undefined, eventIds: [] },
      limit: undefined,
      maxRedrives: 3,
      ratePerSecond: 0,
      connectTimeoutMs: 30_000,
      dryRun: false,
      group: undefined,
      dlqTopic: undefined,
      help: false,
    });
  });

  it('--connect-timeout is in seconds', () => {
    expect(parseRedriveArgs(['--connect-timeout', '5']).connectTimeoutMs).toBe(5_000);
  });

  it('reads every flag, in both --flag value and --flag=value form, with repeatable ones collected', () => {
    const options = parseRedriveArgs([
      '--reason=retries_exhausted',
      '--reason',
      'smtp_permanent',
      '--reason=retries_exhausted',
      '--since=2025-01-01T00:00:00Z',
      '--until',
      '2025-01-02',
      '--partition=2',
      '--partition=0',
      '--from-offset=10',
      '--to-offset=20',
      '--limit=5',
      '--max-redrives=1',
      '--rate=20',
      '--connect-timeout=7',
      '--dry-run',
      '--group=g.custom',
      '--dlq-topic=t.dlq',
    ]);
    expect(options).toEqual({
      selection: {
        reasons: ['retries_exhausted', 'smtp_permanent'],
        since: new Date('2025-01-01T00:00:00Z'),
        until: new Date('2025-01-02T00:00:00Z'),
        partitions: [2, 0],
        fromOffset: 10n,
        toOffset: 20n,
        eventIds: [],
      },
      limit: 5,
      maxRedrives: 1,
      ratePerSecond: 20,
      connectTimeoutMs: 7_000,
      dryRun: true,
      group: 'g.custom',
      dlqTopic: 't.dlq',
      help: false,
    });
  });

  it.each([
    [['--reason', 'bounced'], /--reason: expected one of invalid_event, smtp_permanent, smtputf8_unsupported, retries_exhausted, got "bounced"/],
    [['--since', 'yesterday'], /--since: expected an ISO-8601 date/],
    [['--since', '2025-01-01T10:00'], /--since: expected an ISO-8601 date/],
    [['--since', '2025-01-02', '--until', '2025-01-01'], /--until: must be later than --since/],
    [['--partition=-1'], /--partition: expected an integer >= 0, got "-1"/],
    [['--partition', '-1'], /--partition: expected an integer >= 0, got "-1"/],
    [['--limit', '-5'], /--limit: expected an integer >= 1, got "-5"/],
    [['--connect-timeout', '0'], /--connect-timeout: expected an integer >= 1/],
    [['--from-offset', '9', '--to-offset', '3'], /--to-offset: must be >= --from-offset/],
    [['--from-offset', 'x'], /--from-offset: expected an offset/],
    [['--limit', '0'], /--limit: expected an integer >= 1, got "0"/],
    [['--rate', '2.5'], /--rate: expected an integer >= 0/],
    [['--max-redrives', ''], /--max-redrives: expected an integer >= 0/],
    [['--group', ' '], /--group: must not be empty/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['extra'], /Unexpected argument 'extra'/],
  ])('when given %j › throws a usage error naming the option', (args, message) => {
    expect(() => parseRedriveArgs(args)).toThrow(RedriveUsageError);
    expect(() => parseRedriveArgs(args)).toThrow(message);
  });

  it('documents every flag it accepts in the usage text', () => {
    for (const flag of [
      '--reason',
      '--since',
      '--until',
      '--partition',
      '--from-offset',
      '--to-offset',
      '--dry-run',
      '--limit',
      '--max-redrives',
      '--rate',
      '--connect-timeout',
      '--group',
      '--dlq-topic',
      '--help',
    ]) {
      expect(REDRIVE_USAGE).toContain(flag);
    }
  });
});
