import type { ChaosResult } from './chaos-result.js';
import { beyondInFlight } from './duplicate-bound.js';
import { type ChaosFeatures, describeFeatures, describeSchedule, type FaultKind } from './fault.js';

const SHORT_NAMES: Record<FaultKind, string> = {
  sigkill: 'kill',
  sigterm: 'term',
  join: 'join',
  leave: 'leave',
  'kill-coordinator': 'kill-coord',
  'kill-leader': 'kill-leader',
  'rolling-restart': 'rolling',
  'smtp-outage': 'outage',
  'smtp-slow': 'slow',
  'smtp-4xx-burst': '4xx',
  'add-partitions': '+part',
  'fallback-outage': 'fb-down',
  'relays-down': 'both-down',
  'fallback-auth-refused': 'fb-auth',
  'redis-down': 'redis-down',
  'redis-slow': 'redis-slow',
  'receipts-unwritable': 'rcpt-stall',
};

const seconds = (ms: number): string => `${(ms / 1000).toFixed(0)} s`;

export function replayCommand(r: Pick<ChaosResult, 'seed' | 'scale' | 'features'>): string {
  const features = ` CHAOS_FEATURES=${featureList(r.features)}`;
  return r.scale === 'full' ? `CHAOS_SEED=${r.seed}${features} npm run test:chaos` : `CHAOS_SEED=${r.seed}${features} npx vitest run --project chaos`;
}

/** The CHAOS_FEATURES value that turns these features on. */
export function featureList(f: ChaosFeatures): string {
  const on = [f.receipts && 'receipts', f.fallback && 'fallback', f.clusterRate && 'rate', f.ledger && 'ledger'].filter(Boolean);
  return on.length === 0 ? 'none' : on.length === 4 ? 'all' : on.join(',');
}

/** Receipts complete (`412/412`, then any `N sent unaccepted`, `N duplicate unaccepted`, `N foreign Message-ID`), or `off`. */
export function receiptsFigure(r: Pick<ChaosResult, 'featureVerdict'>): string {
  const v = r.featureVerdict.receipts;
  if (!v) return 'off';
  const odd = [
    [v.sentNotAccepted.length, 'sent unaccepted'],
    [v.duplicateNotAccepted.length, 'duplicate unaccepted'],
    [v.foreignMessageId.length, 'foreign Message-ID'],
  ] as const;
  return `${v.settled - v.missing.length}/${v.settled}${odd.map(([n, what]) => (n > 0 ? `, ${n} ${what}` : '')).join('')}`;
}

/** The busiest windows against what they may hold (`1 s 71/81, 5 s 301/375`), or `off`. */
export function rateFigure(r: Pick<ChaosResult, 'featureVerdict'>): string {
  const v = r.featureVerdict.rate;
  return v ? v.windows.map((w) => `${w.seconds} s ${w.busiest}/${w.allowed}`).join(', ') : 'off';
}

/** Faults carried out, by kind, e.g. `kill×2 term broker 4xx; txn 9 committed / 3 aborted`. */
export function faultsApplied(r: Pick<ChaosResult, 'applied' | 'producer'>): string {
  const counts = new Map<FaultKind, number>();
  for (const a of r.applied) if (a.outcome === 'applied') counts.set(a.kind, (counts.get(a.kind) ?? 0) + 1);
  const kinds = [...counts].map(([kind, n]) => `${SHORT_NAMES[kind]}${n > 1 ? `×${n}` : ''}`).join(' ');
  return `${kinds || 'none'}; txn ${r.producer.committedTransactions} committed / ${r.producer.abortedTransactions} aborted`;
}

export function unexpectedExits(r: Pick<ChaosResult, 'fleetEvents'>): string[] {
  return r.fleetEvents.filter((e) => e.what === 'unexpected-exit').map((e) => `${e.member} exited ${e.code} by itself at t+${(e.atMs / 1000).toFixed(1)}s`);
}

/** The figures of a run, one per line. */
export function summary(r: ChaosResult): string {
  const v = r.verdict;
  const c = v.counts;
  const lostPast = v.lost.filter((l) => l.committedPast).length;
  const lines = [
    `chaos seed ${r.seed} (${r.scale}; ${describeFeatures(r.features)}): ${r.violations.length === 0 ? 'PASSED' : 'FAILED'} in ${seconds(r.durationMs)} — replay: ${replayCommand(r)}`,
    `  faults      ${faultsApplied(r)}`,
    `  produced    ${c.produced} (due ${c.due}, of them invalid ${c.dueInvalid}; aborted ${c.aborted}; uncertain ${c.uncertainWritten} written / ${c.uncertainAbsent} absent${c.notWritten > 0 ? `; acknowledged but never written ${c.notWritten}` : ''}${r.producer.unansweredRecords > 0 ? `; acknowledged without an answer for their partition ${r.producer.unansweredRecords}` : ''})`,
    `  delivered   ${c.delivered} events in ${c.acceptances} mails`,
    `  duplicates  ${v.duplicates.events} events, ${v.duplicates.extraCopies} extra mails; DLQ twice ${v.duplicates.deadLetteredTwice}; mailed and DLQ ${v.duplicates.deliveredAndDeadLettered}; total extra ${v.duplicates.totalExtra} (bound ${r.bound.atLeastOnce}${r.features.ledger ? `; extra mails bound ${r.bound.mails}` : ''}); most copies of one event ${v.duplicates.worst[0]?.copies ?? 1}`,
    `  beyond in-flight  ${beyondInFlight(r.bound).join('; ') || 'none'}`,
    ...((r.copiesAcrossKafkaFaults ?? []).length > 0
      ? [
          `  third copies ${r.copiesAcrossKafkaFaults?.length} events, each copy after the first during ${[...new Set(r.copiesAcrossKafkaFaults?.flatMap((e) => e.faults))].join(', ')} (commits kept from the broker across two rebalances)`,
        ]
      : []),
    `  receipts    ${receiptsFigure(r)}`,
    `  rate        ${rateFigure(r)}${r.featureVerdict.rate ? ` (${r.featureVerdict.rate.judged} mails judged while Redis answered)` : ''}`,
    `  DLQ         ${c.dlqRecords} records, ${c.deadLettered} events; without cause ${v.unexpectedDlq.length}`,
    `  lost        ${v.lost.length} (committed past ${lostPast})`,
    `  aborted but delivered ${v.deliveredAborted.length}`,
    `  stuck       ${v.stuck.length === 0 ? 0 : v.stuck.map((s) => `p${s.partition} ${s.committed ?? '-'}/${s.end} (${s.pending} due)`).join(', ')}; final lag ${v.finalLag}`,
    `  partitions  ${r.partitions.start} → ${r.partitions.end}; drain ${r.drain.drained ? 'complete' : 'NOT complete'} after ${seconds(r.drain.waitedMs)}`,
  ];
  const exits = unexpectedExits(r);
  if (exits.length > 0) lines.push(`  exits       ${exits.join('; ')}`);
  const badStops = r.finalExits.filter((e) => e.code !== 0);
  if (badStops.length > 0) lines.push(`  final stop  ${badStops.map((e) => `${e.name} exited ${e.code}`).join('; ')}`);
  for (const a of v.anomalies.slice(0, 10)) lines.push(`  anomaly     ${a}`);
  if (v.anomalies.length > 10) lines.push(`  anomaly     … ${v.anomalies.length - 10} more in report.json`);
  for (const line of r.violations) lines.push(`  VIOLATION   ${line}`);
  lines.push(`  report      ${r.reportDir}`);
  return lines.join('\n');
}

/** What a failing test prints: the seed first, how to replay it, what broke, the schedule. */
export function failureMessage(r: ChaosResult): string {
  return [
    `chaos seed ${r.seed} failed (replay: ${replayCommand(r)})`,
    ...r.violations.map((v) => `- ${v}`),
    'schedule:',
    describeSchedule(r.schedule),
    'applied:',
    ...r.applied.map((a) => `  t+${(a.atMs / 1000).toFixed(1)}s ${a.detail}: ${a.outcome}${a.note ? ` (${a.note})` : ''}`),
    summary(r),
  ].join('\n');
}

export const TABLE_HEADER =
  '| seed | features | faults applied | produced (due) | delivered | duplicates (events / extra, bound) | receipts complete | rate (busiest / allowed) | DLQ (unexpected) | lost | stuck | duration |\n' +
  '|---|---|---|---|---|---|---|---|---|---|---|---|';

/** One row of the table in docs/chaos.md. */
export function tableRow(r: ChaosResult): string {
  const v = r.verdict;
  const stuck = v.stuck.length === 0 ? '0' : v.stuck.map((s) => `p${s.partition} (${s.pending} due)`).join(', ');
  return `| ${r.seed} | ${featureList(r.features)} | ${faultsApplied(r)} | ${v.counts.produced} (${v.counts.due}) | ${v.counts.delivered} | ${v.duplicates.events} / ${v.duplicates.totalExtra}, ≤ ${r.features.ledger ? `${r.bound.mails} mails, ` : ''}${r.bound.atLeastOnce} | ${receiptsFigure(r)} | ${rateFigure(r)} | ${v.counts.dlqRecords} (${v.unexpectedDlq.length}) | ${v.lost.length} | ${stuck} | ${seconds(r.durationMs)} |`;
}

/** JSON with bigint offsets as strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}
