import { describe, expect, it } from 'vitest';

import { checkHistory } from '../../../test/chaos/check-history.js';
import type { ChaosHistory, DlqEntry, LogRecord, PartitionOffsets, ProducedEvent } from '../../../test/chaos/history.js';
import { violations } from '../../../test/chaos/violations.js';

const DOMAIN = 'acme.test';
const mid = (eventId: string): string => `<${eventId}@${DOMAIN}>`;

/** A plain, acknowledged event at partition:offset, read back from the log at the same place. */
function plain(eventId: string, partition: number, offset: number, extra: Partial<ProducedEvent> = {}): { produced: ProducedEvent; log: LogRecord } {
  return {
    produced: { eventId, status: 'acked', invalid: false, partition, offset: BigInt(offset), ...extra },
    log: { eventId, partition, offset: BigInt(offset) },
  };
}

function history({
  events = [],
  produced = [],
  log = [],
  accepted = [],
  dlq = [],
  partitions,
  allowed = { smtpPermanent: false, retriesExhausted: false },
}: {
  events?: Array<{ produced: ProducedEvent; log: LogRecord }>;
  produced?: ProducedEvent[];
  log?: LogRecord[];
  accepted?: string[];
  dlq?: DlqEntry[];
  partitions?: PartitionOffsets[];
  allowed?: ChaosHistory['dlqReasonsAllowed'];
}): ChaosHistory {
  const allLog = [...events.map((e) => e.log), ...log];
  const ends = new Map<number, bigint>();
  for (const r of allLog) ends.set(r.partition, r.offset + 1n > (ends.get(r.partition) ?? 0n) ? r.offset + 1n : (ends.get(r.partition) as bigint));
  return {
    produced: [...events.map((e) => e.produced), ...produced],
    log: allLog,
    acceptedMessageIds: accepted.map(mid),
    messageIdDomain: DOMAIN,
    dlq,
    // By default the group committed everything it could: committed = end.
    partitions: partitions ?? [...ends].map(([partition, end]) => ({ partition, committed: end, end })),
    dlqReasonsAllowed: allowed,
  };
}

const noLimits = { maxExtraCopies: 0 };

describe('checkHistory', () => {
  it('when every event was accepted once and the group committed to the end › nothing lost, no duplicate, no violation', () => {
    const v = checkHistory(history({ events: [plain('a', 0, 0), plain('b', 0, 1), plain('c', 1, 0)], accepted: ['a', 'b', 'c'] }));
    expect(v.counts).toMatchObject({ produced: 3, due: 3, delivered: 3, acceptances: 3, deadLettered: 0 });
    expect(v.lost).toEqual([]);
    expect(v.duplicates).toMatchObject({ events: 0, extraCopies: 0, totalExtra: 0 });
    expect(v.stuck).toEqual([]);
    expect(v.finalLag).toBe(0n);
    expect(v.anomalies).toEqual([]);
    expect(violations(v, noLimits)).toEqual([]);
  });

  it('when a due event was neither accepted nor dead-lettered › it is lost, and "committed past" says whether the group skipped it', () => {
    const v = checkHistory(
      history({
        events: [plain('a', 0, 0), plain('skipped', 0, 1), plain('b', 0, 2), plain('pending', 1, 0)],
        accepted: ['a', 'b'],
        partitions: [
          { partition: 0, committed: 3n, end: 3n },
          { partition: 1, committed: 0n, end: 1n },
        ],
      }),
    );
    expect(v.lost).toEqual([
      { eventId: 'skipped', partition: 0, offset: 1n, committedPast: true },
      { eventId: 'pending', partition: 1, offset: 0n, committedPast: false },
    ]);
    const lines = violations(v, noLimits);
    expect(lines[0]).toMatch(/^lost 2: .*1 behind the committed offset, 1 not committed past/);
    expect(lines.some((l) => l.startsWith('stuck partitions 1: p1 committed 0 < end 1 (1 due records behind)'))).toBe(true);
  });

  it('when an event was accepted three times › one duplicated event, two extra copies, failing only beyond the bound', () => {
    const v = checkHistory(history({ events: [plain('a', 0, 0), plain('b', 0, 1)], accepted: ['a', 'a', 'b', 'a'] }));
    expect(v.duplicates).toMatchObject({ events: 1, extraCopies: 2, totalExtra: 2, worst: [{ eventId: 'a', copies: 3 }] });
    expect(v.lost).toEqual([]);
    expect(violations(v, { maxExtraCopies: 1 })).toEqual(['duplicates 2 extra copies exceed the bound 1']);
    expect(violations(v, { maxExtraCopies: 2 })).toEqual([]);
    expect(violations(v, { maxExtraCopies: 2, maxExtraMails: 1 })).toEqual(['duplicates 2 extra mails exceed the bound 1 (sent ledger on)']);
  });

  it('when an event is dead-lettered twice, or accepted and dead-lettered › both count as extra copies', () => {
    const v = checkHistory(
      history({
        events: [plain('bad', 0, 0, { invalid: true }), plain('both', 0, 1, { invalid: true })],
        accepted: ['both'],
        dlq: [
          { eventId: 'bad', reason: 'invalid_event', partition: 0, offset: 0n },
          { eventId: 'bad', reason: 'invalid_event', partition: 0, offset: 0n },
          { eventId: 'both', reason: 'invalid_event', partition: 0, offset: 1n },
        ],
      }),
    );
    expect(v.duplicates).toMatchObject({ events: 0, deadLetteredTwice: 1, dlqExtraCopies: 1, deliveredAndDeadLettered: 1, totalExtra: 2 });
    expect(v.anomalies).toEqual(['accepted a mail for both, an invalid event']);
  });

  it('when records of an aborted transaction were sent or dead-lettered › delivered-but-aborted, and they are never due', () => {
    const v = checkHistory(
      history({
        events: [plain('a', 0, 0)],
        produced: [
          { eventId: 'ab-1', status: 'aborted', invalid: false, partition: 0, offset: 1n },
          { eventId: 'ab-2', status: 'aborted', invalid: false, partition: 0, offset: 2n },
          { eventId: 'ab-3', status: 'aborted', invalid: false, partition: 0, offset: 3n },
        ],
        accepted: ['a', 'ab-1'],
        dlq: [{ eventId: 'ab-2', reason: 'invalid_event', partition: 0, offset: 2n }],
        partitions: [{ partition: 0, committed: 5n, end: 5n }],
      }),
    );
    expect(v.counts).toMatchObject({ due: 1, aborted: 3 });
    expect(v.deliveredAborted).toEqual([
      { eventId: 'ab-1', how: 'accepted' },
      { eventId: 'ab-2', how: 'dead-lettered' },
    ]);
    expect(v.lost).toEqual([]);
    expect(violations(v, noLimits)).toEqual(['delivered-but-aborted 2: ab-1 (accepted), ab-2 (dead-lettered)']);
  });

  it('when the committed offset stops below the end with only transaction markers behind › stuck with 0 pending, and the lag counts', () => {
    // Offsets 0-1 committed records, 2 the commit marker: end 3, but a consumer that never saw the marker commits 2.
    const v = checkHistory(
      history({
        events: [plain('t1', 0, 0, { status: 'committed' }), plain('t2', 0, 1, { status: 'committed' }), plain('x', 1, 0)],
        accepted: ['t1', 't2', 'x'],
        partitions: [
          { partition: 0, committed: 2n, end: 3n },
          { partition: 1, committed: 1n, end: 1n },
        ],
      }),
    );
    expect(v.stuck).toEqual([{ partition: 0, committed: 2n, end: 3n, pending: 0 }]);
    expect(v.finalLag).toBe(1n);
    expect(v.lost).toEqual([]);
    expect(violations(v, noLimits)).toEqual(['stuck partitions 1: p0 committed 2 < end 3 (only transaction markers / aborted records behind)']);
  });

  it('when a partition was never committed › it is stuck from offset 0 and all its lag counts', () => {
    const v = checkHistory(
      history({ events: [plain('a', 2, 0), plain('b', 2, 1)], accepted: ['a', 'b'], partitions: [{ partition: 2, committed: undefined, end: 2n }] }),
    );
    expect(v.stuck).toEqual([{ partition: 2, committed: undefined, end: 2n, pending: 2 }]);
    expect(v.finalLag).toBe(2n);
    expect(violations(v, noLimits)[0]).toContain('p2 committed nothing < end 2');
  });

  it('when invalid events are dead-lettered as invalid_event › expected; a valid event dead-lettered without a cause the run allows › unexpected', () => {
    const events = [plain('bad', 0, 0, { invalid: true }), plain('ok', 0, 1), plain('tired', 0, 2), plain('refused', 0, 3)];
    const dlq: DlqEntry[] = [
      { eventId: 'bad', reason: 'invalid_event', partition: 0, offset: 0n },
      { eventId: 'tired', reason: 'retries_exhausted', partition: 0, offset: 2n },
      { eventId: 'refused', reason: 'smtp_permanent', partition: 0, offset: 3n },
    ];
    const strict = checkHistory(history({ events, accepted: ['ok'], dlq }));
    expect(strict.unexpectedDlq.map((d) => [d.eventId, d.reason])).toEqual([
      ['tired', 'retries_exhausted'],
      ['refused', 'smtp_permanent'],
    ]);
    expect(strict.lost).toEqual([]);
    expect(strict.counts).toMatchObject({ delivered: 1, deadLettered: 3, dueInvalid: 1 });
    expect(violations(strict, noLimits)[0]).toMatch(/^dead-lettered without cause 2 \(retries_exhausted ×1, smtp_permanent ×1\)/);

    const lenient = checkHistory(history({ events, accepted: ['ok'], dlq, allowed: { smtpPermanent: true, retriesExhausted: true } }));
    expect(lenient.unexpectedDlq).toEqual([]);
  });

  it('when an invalid event is dead-lettered for another reason, or a valid one as invalid_event › unexpected', () => {
    const v = checkHistory(
      history({
        events: [plain('bad', 0, 0, { invalid: true }), plain('good', 0, 1)],
        dlq: [
          { eventId: 'bad', reason: 'retries_exhausted', partition: 0, offset: 0n },
          { eventId: 'good', reason: 'invalid_event', partition: 0, offset: 1n },
        ],
        allowed: { smtpPermanent: true, retriesExhausted: true },
      }),
    );
    expect(v.unexpectedDlq.map((d) => d.eventId)).toEqual(['bad', 'good']);
  });

  it('when a DLQ record has no readable eventId › its provenance headers find the event', () => {
    const v = checkHistory(
      history({ events: [plain('opaque', 3, 7, { invalid: true })], dlq: [{ eventId: undefined, reason: 'invalid_event', partition: 3, offset: 7n }] }),
    );
    expect(v.lost).toEqual([]);
    expect(v.counts.deadLettered).toBe(1);
    expect(v.unexpectedDlq).toEqual([]);
  });

  it('when a produce was uncertain › it is due only if the read-back found it in the log', () => {
    const v = checkHistory(
      history({
        produced: [
          { eventId: 'written', status: 'uncertain', invalid: false },
          { eventId: 'absent', status: 'uncertain', invalid: false },
        ],
        log: [{ eventId: 'written', partition: 0, offset: 0n }],
        partitions: [{ partition: 0, committed: 1n, end: 1n }],
      }),
    );
    expect(v.counts).toMatchObject({ due: 1, uncertainWritten: 1, uncertainAbsent: 1 });
    expect(v.lost).toEqual([{ eventId: 'written', partition: 0, offset: 0n, committedPast: true }]);
  });

  it('when an acknowledged record is missing from the read-back › still due (lost if never delivered) and an anomaly', () => {
    const v = checkHistory(
      history({
        produced: [{ eventId: 'ghost', status: 'acked', invalid: false, partition: 0, offset: 0n }],
        partitions: [{ partition: 0, committed: 0n, end: 1n }],
      }),
    );
    expect(v.lost).toEqual([{ eventId: 'ghost', partition: 0, offset: 0n, committedPast: false }]);
    expect(v.anomalies).toEqual(['ghost was acked by the broker but not read back from the log']);
  });

  it('when a record was acknowledged at a position the log holds another record at › never written (the producer’s loss), not due, an anomaly', () => {
    // A failed produce of `first` was appended after all; the producer rewound its sequence, and the
    // broker answered the next batch (`second`) as a duplicate of it, with the same offset.
    const v = checkHistory(
      history({
        produced: [
          { eventId: 'first', status: 'uncertain', invalid: false },
          { eventId: 'second', status: 'acked', invalid: false, partition: 2, offset: 40n },
        ],
        log: [{ eventId: 'first', partition: 2, offset: 40n }],
        accepted: ['first'],
      }),
    );
    expect(v.lost).toEqual([]);
    expect(v.counts).toMatchObject({ due: 1, notWritten: 1, uncertainWritten: 1 });
    expect(v.anomalies).toEqual(['second was acked at 2:40, where the log holds first: the acknowledgement answered another produce; never written, not due']);
  });

  it('when a record of an aborted transaction is read back with read_committed › an anomaly, and it is treated as due', () => {
    const v = checkHistory(
      history({
        produced: [{ eventId: 'zombie', status: 'aborted', invalid: false, partition: 0, offset: 0n }],
        log: [{ eventId: 'zombie', partition: 0, offset: 0n }],
        accepted: ['zombie'],
      }),
    );
    expect(v.deliveredAborted).toEqual([]);
    expect(v.counts.due).toBe(1);
    expect(v.anomalies).toEqual(['zombie belongs to an aborted transaction but was read back with read_committed']);
  });

  it('when mails come with a foreign Message-ID or for an event this run never produced › anomalies, not deliveries', () => {
    const h = history({ events: [plain('a', 0, 0)], accepted: ['a', 'stranger'] });
    const v = checkHistory({ ...h, acceptedMessageIds: [...h.acceptedMessageIds, '<a@elsewhere.test>', undefined] });
    expect(v.counts.delivered).toBe(1);
    expect(v.duplicates.events).toBe(0);
    expect(v.anomalies).toEqual([
      'accepted a mail with Message-ID <a@elsewhere.test>, not <eventId@acme.test>',
      'accepted a mail with Message-ID undefined, not <eventId@acme.test>',
      'accepted a mail for stranger, which is not due in this run',
    ]);
  });

  it('when the acknowledgement and the read-back disagree on the position › the log wins and it is an anomaly', () => {
    const v = checkHistory(
      history({
        produced: [{ eventId: 'moved', status: 'acked', invalid: false, partition: 0, offset: 4n }],
        log: [{ eventId: 'moved', partition: 1, offset: 0n }],
        partitions: [
          { partition: 0, committed: 5n, end: 5n },
          { partition: 1, committed: 0n, end: 1n },
        ],
      }),
    );
    expect(v.lost).toEqual([{ eventId: 'moved', partition: 1, offset: 0n, committedPast: false }]);
    expect(v.anomalies).toEqual(['moved acknowledged at 0:4 but read back at 1:0']);
  });
});
