import { describe, expect, it } from 'vitest';

import type { ChaosResult } from '../../../test/chaos/chaos-result.js';
import { failureMessage, faultsApplied, replayCommand, summary, tableRow, toJson } from '../../../test/chaos/format-report.js';

const result: ChaosResult = {
  seed: 42,
  scale: 'full',
  features: { receipts: false, fallback: false, clusterRate: false, ledger: false },
  runId: 'r1',
  topic: 'chaos-r1',
  groupId: 'chaos-r1.dispatcher',
  reportDir: '/tmp/r1',
  schedule: [{ atMs: 3_000, fault: { kind: 'sigkill', target: 0.5, restartAfterMs: 2_000 } }],
  applied: [
    {
      kind: 'sigkill',
      plannedAtMs: 3_000,
      atMs: 3_010,
      endMs: 5_100,
      detail: 'SIGKILL instance @0.50, restart after 2.0 s',
      outcome: 'applied',
      note: 'killed svc-1',
    },
    {
      kind: 'sigkill',
      plannedAtMs: 9_000,
      atMs: 9_010,
      endMs: 11_100,
      detail: 'SIGKILL instance @0.10, restart after 2.0 s',
      outcome: 'applied',
      note: 'killed svc-3',
    },
    {
      kind: 'leave',
      plannedAtMs: 12_000,
      atMs: 12_000,
      endMs: 12_000,
      detail: 'instance @0.10 leaves (SIGTERM)',
      outcome: 'skipped',
      note: 'it would leave no instance',
    },
  ],
  fleetEvents: [{ atMs: 20_000, member: 'svc-2', what: 'unexpected-exit', code: 1 }],
  producer: { plainBatches: 10, committedTransactions: 2, abortedTransactions: 1, failedBatches: 0, unansweredRecords: 0 },
  partitions: { start: 4, end: 5 },
  dlqReasonsAllowed: { smtpPermanent: false, retriesExhausted: false },
  verdict: {
    counts: {
      produced: 100,
      due: 95,
      dueInvalid: 2,
      aborted: 5,
      uncertainWritten: 0,
      uncertainAbsent: 0,
      notWritten: 0,
      acceptances: 97,
      delivered: 93,
      dlqRecords: 2,
      deadLettered: 2,
    },
    lost: [],
    duplicates: { events: 4, extraCopies: 4, deadLetteredTwice: 0, dlqExtraCopies: 0, deliveredAndDeadLettered: 0, totalExtra: 4, worst: [] },
    unexpectedDlq: [],
    deliveredAborted: [],
    stuck: [{ partition: 2, committed: 10n, end: 11n, pending: 0 }],
    finalLag: 1n,
    anomalies: [],
  },
  featureVerdict: { sentMoreThanTwice: [] },
  bound: {
    atLeastOnce: 500,
    mails: 500,
    perDisruption: [
      { atMs: 3_010, kind: 'svc-1 sigkill', inFlight: 15, uncommitted: 235 },
      { atMs: 9_010, kind: 'svc-3 sigkill', inFlight: 15, uncommitted: 235 },
    ],
    whileRedisAway: 0,
  },
  drain: { drained: true, waitedMs: 4_000, unsettled: 0 },
  finalExits: [{ name: 'svc-4', code: 0 }],
  violations: ['stuck partitions 1: p2 committed 10 < end 11 (only transaction markers / aborted records behind)'],
  chaosMs: 120_000,
  durationMs: 150_000,
};

describe('format-report', () => {
  it('the replay command names the seed and the features', () => {
    expect(replayCommand(result)).toBe('CHAOS_SEED=42 CHAOS_FEATURES=none npm run test:chaos');
    expect(replayCommand({ ...result, scale: 'short', features: { ...result.features, receipts: true, ledger: true } })).toBe(
      'CHAOS_SEED=42 CHAOS_FEATURES=receipts,ledger npx vitest run --project chaos',
    );
  });

  it('counts the faults applied by kind, leaving out skipped ones, with the transactions', () => {
    expect(faultsApplied(result)).toBe('kill×2; txn 2 committed / 1 aborted');
  });

  it('a failure message starts with the seed and how to replay it, then what broke and the schedule', () => {
    const lines = failureMessage(result).split('\n');
    expect(lines[0]).toBe('chaos seed 42 failed (replay: CHAOS_SEED=42 CHAOS_FEATURES=none npm run test:chaos)');
    expect(lines[1]).toBe(`- ${result.violations[0]}`);
    expect(lines).toContain('schedule:');
    expect(lines.some((l) => l.includes('SIGKILL instance @0.50'))).toBe(true);
  });

  it('the summary shows every figure, exits by themselves and violations', () => {
    const text = summary(result);
    expect(text).toContain('FAILED');
    expect(text).toContain('duplicates  4 events, 4 extra mails');
    expect(text).toContain('stuck       p2 10/11 (0 due); final lag 1');
    expect(text).toContain('svc-2 exited 1 by itself at t+20.0s');
    expect(text).toContain('VIOLATION   stuck partitions 1');
    expect(text).toContain('beyond in-flight  svc-1 sigkill at t+3.0s: +235; svc-3 sigkill at t+9.0s: +235');
    expect(text).toContain('receipts    off');
  });

  it('a table row has the columns of docs/chaos.md', () => {
    expect(tableRow(result)).toBe(
      '| 42 | none | kill×2; txn 2 committed / 1 aborted | 100 (95) | 93 | 4 / 4, ≤ 500 | off | off | 2 (0) | 0 | p2 (0 due) | 150 s |',
    );
    const withFeatures = {
      ...result,
      features: { receipts: true, fallback: true, clusterRate: true, ledger: true },
      featureVerdict: {
        sentMoreThanTwice: [],
        receipts: { records: 96, settled: 95, missing: [], sentNotAccepted: [], duplicateNotAccepted: [], foreignMessageId: [] },
        rate: {
          judged: 80,
          windows: [
            { seconds: 1, busiest: 61, atMs: 0, allowed: 135 },
            { seconds: 5, busiest: 290, atMs: 0, allowed: 375 },
          ],
        },
      },
    };
    expect(tableRow(withFeatures)).toBe(
      '| 42 | all | kill×2; txn 2 committed / 1 aborted | 100 (95) | 93 | 4 / 4, ≤ 500 mails, 500 | 95/95 | 1 s 61/135, 5 s 290/375 | 2 (0) | 0 | p2 (0 due) | 150 s |',
    );
  });

  it('JSON writes bigint offsets as strings', () => {
    expect(toJson({ offset: 5n })).toBe('{\n  "offset": "5"\n}');
  });
});
