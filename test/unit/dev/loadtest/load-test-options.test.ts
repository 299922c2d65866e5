import { describe, expect, it } from 'vitest';

import { parseLoadTestArgs, UsageError } from '../../../../dev/loadtest/load-test-options.js';

const parse = (args: string, env: NodeJS.ProcessEnv = {}) => parseLoadTestArgs(args.split(' ').filter(Boolean), env);

describe('parseLoadTestArgs', () => {
  it('with --spawn-service and the sink flags › a spawned service on fresh topics sending to the sink', () => {
    const flags = parse('--spawn-service --events 2000 --workers 20 --buffer 200 --sink-latency-ms 5 --transient-rate 0.05 --permanent-rate 0.01');
    expect(flags).toMatchObject({ events: 2000, topic: undefined, dlqTopic: undefined, rate: 0 });
    expect(flags.service).toMatchObject({ kind: 'spawn', workers: 20, buffer: 200, entry: 'source', groupId: undefined });
    expect(flags.smtp).toEqual({ kind: 'sink', port: 0, latencyMs: 5, transientRate: 0.05, permanentRate: 0.01 });
  });

  it('without --spawn-service › measures the running service on its topics from the environment', () => {
    const flags = parse('--sink-port 2525 --metrics-url http://svc:9464/metrics', { KAFKA_TOPIC: 'signups', KAFKA_GROUP_ID: 'g' });
    expect(flags).toMatchObject({ topic: 'signups', dlqTopic: 'signups.dlq' });
    expect(flags.service).toEqual({ kind: 'running', groupId: 'g', metricsUrl: 'http://svc:9464/metrics' });
  });

  it('with --smtp-host › an external server, reconciled through the DLQ and --expect-delivered', () => {
    const flags = parse('--smtp-host mail.internal --smtp-port 587 --expect-delivered 990');
    expect(flags.smtp).toEqual({ kind: 'external', host: 'mail.internal', port: 587, expectDelivered: 990 });
  });

  it.each([
    ['--events 0', /--events must be an integer from 1/],
    ['--events 1e3', /--events must be an integer/],
    ['--spawn-service --transient-rate 1.5', /--transient-rate must be a number from 0 to 1/],
    ['--spawn-service --transient-rate 0.6 --permanent-rate 0.6', /must not exceed 1/],
    ['--spawn-service --workers 50 --buffer 10', /--buffer must be >= --workers/],
    ['--spawn-service --service-entry docker', /--service-entry must be source or dist/],
    ['--spawn-service --metrics-url http://x/metrics', /--metrics-url is for a running service/],
    ['--spawn-service --expect-delivered 5', /--expect-delivered only applies with --smtp-host/],
    ['--events 10', /pass --sink-port/],
    ['--spawn-service --bogus', /Unknown option '--bogus'/],
  ])('%s › UsageError naming the flag', (args, message) => {
    expect(() => parse(args)).toThrow(UsageError);
    expect(() => parse(args)).toThrow(message);
  });
});
