import { describe, expect, it } from 'vitest';

import { detectEvictions, eventsBetween, firstEvent, parseGroupLog } from '../../../../bench/group/group-log.js';

const at = (s: number) => `2026-11-29T13:24:${String(s).padStart(2, '0')}.000Z`;
const line = (s: number, fields: Record<string, unknown>) => JSON.stringify({ level: 'info', time: at(s), service: 'email-dispatcher', ...fields });
const joined = (s: number, memberId: string, partitions: number[], duration = 40) =>
  line(s, {
    component: 'kafkajs',
    kafkajs: 'ConsumerGroup',
    groupId: 'g',
    memberId,
    leaderId: memberId,
    isLeader: true,
    memberAssignment: { t: partitions },
    groupProtocol: 'RoundRobinAssigner',
    duration,
    msg: 'Consumer has joined the group',
  });
const t = (s: number) => Date.parse(at(s));

describe('parseGroupLog', () => {
  it('reads the joins, rebalance notices and shutdown lines of a service log, skipping anything else', () => {
    const text = [
      'not json at all',
      line(1, { component: 'kafkajs', kafkajs: 'Consumer', groupId: 'g', msg: 'Starting' }),
      line(2, { partitions: [0, 1, 2], revoked: [], abandoned: 0, msg: 'joined consumer group' }),
      joined(2, 'm-1', [0, 1, 2], 312),
      JSON.stringify({
        level: 'error',
        time: at(5),
        component: 'kafkajs',
        kafkajs: 'Connection',
        error: 'The group is rebalancing, so a rejoin is needed',
        msg: 'Response Heartbeat(key: 12, version: 3)',
      }),
      line(6, { level: 'warn', component: 'kafkajs', kafkajs: 'Runner', memberId: 'm-1', msg: 'The group is rebalancing, re-joining' }),
      line(7, { msg: 'shutting down', reason: 'SIGTERM', held: 3 }),
      line(8, { msg: 'stopped', exitCode: 0 }),
      '',
    ].join('\n');
    expect(parseGroupLog(text)).toEqual([
      { kind: 'starting', at: t(1) },
      { kind: 'app-joined', at: t(2), partitions: 3, revoked: 0, abandoned: 0 },
      { kind: 'kafka-joined', at: t(2), memberId: 'm-1', partitions: 3, durationMs: 312 },
      { kind: 'rebalancing', at: t(5), memberId: undefined },
      { kind: 'rebalancing', at: t(6), memberId: 'm-1' },
      { kind: 'shutting-down', at: t(7) },
      { kind: 'stopped', at: t(8) },
    ]);
  });

  it('takes any line naming UNKNOWN_MEMBER_ID as a sign of eviction, a failed commit included', () => {
    const commitFailed = line(9, {
      level: 'warn',
      err: { type: 'KafkaJSNonRetriableError', message: 'The coordinator is not aware of this member: The coordinator is not aware of this member' },
      msg: 'offset commit failed; will retry',
    });
    const [event] = parseGroupLog(commitFailed);
    expect(event).toMatchObject({ kind: 'unknown-member', at: t(9) });
  });
});

describe('detectEvictions', () => {
  it('reports nothing for a member that rejoins under the same member id', () => {
    expect(detectEvictions(parseGroupLog([joined(1, 'm-1', [0, 1]), joined(20, 'm-1', [0])].join('\n')))).toEqual([]);
  });

  it('reports the coordinator forgetting the member once, however many lines say so, and not again for the rejoin it causes', () => {
    const unknown = (s: number) =>
      JSON.stringify({
        level: 'error',
        time: at(s),
        component: 'kafkajs',
        kafkajs: 'Connection',
        error: 'The coordinator is not aware of this member',
        msg: 'Response OffsetCommit(key: 8, version: 5)',
      });
    const events = parseGroupLog([joined(1, 'm-1', [0, 1]), unknown(48), unknown(49), joined(55, 'm-9', [1])].join('\n'));
    const evictions = detectEvictions(events);
    expect(evictions).toHaveLength(1);
    expect(evictions[0]).toMatchObject({ at: t(48), reason: 'unknown-member' });
    expect(evictions[0]?.evidence).toContain('The coordinator is not aware of this member');
  });

  it('reports a rejoin under a new member id even when no UNKNOWN_MEMBER_ID line was logged', () => {
    expect(detectEvictions(parseGroupLog([joined(1, 'm-1', [0]), joined(30, 'm-2', [0])].join('\n')))).toEqual([
      { at: t(30), reason: 'new-member-id', evidence: 'joined as m-2, was m-1' },
    ]);
  });
});

describe('firstEvent and eventsBetween', () => {
  it('find events of one kind by time', () => {
    const events = parseGroupLog([joined(1, 'm', [0]), joined(10, 'm', [0]), joined(20, 'm', [0])].join('\n'));
    expect(firstEvent(events, 'kafka-joined', t(5))?.at).toBe(t(10));
    expect(firstEvent(events, 'app-joined')).toBeUndefined();
    expect(eventsBetween(events, 'kafka-joined', t(1), t(20)).map((e) => e.at)).toEqual([t(1), t(10)]);
  });
});
