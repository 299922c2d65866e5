import { detectEvictions, type Eviction, firstEvent } from './group-log.js';
import type { Member, MemberSample } from './member.js';
import { type MemberRebalance, type RebalanceStats, rebalanceStats } from './rebalance-stats.js';
import { countBetween, longestGap, type Receipts } from './receipts.js';

/** What the members held just before a scale event (their last scrape). */
export interface BeforeEvent {
  readonly members: number;
  /** SMTP sends in progress, summed over the members. */
  readonly inFlight: number;
  /** Messages held in process, summed. */
  readonly held: number;
  /** Settled but not yet committed, summed (gauge refreshed once a second). */
  readonly settledUncommitted: number;
  /** Emails the sink accepted per second over the 5 s before the event. */
  readonly emailsPerS: number;
  /** Each member's last scrape: in flight / held. */
  readonly perMember: Readonly<Record<string, { readonly inFlight: number; readonly held: number; readonly scrapedMsBefore: number | undefined }>>;
}

export interface Newcomer {
  readonly spawnToKafkaStartMs: number | undefined;
  /** Spawn → the service's "joined consumer group" log line. */
  readonly spawnToJoinedMs: number | undefined;
  readonly spawnToReadyMs: number | undefined;
  readonly spawnToFirstConsumedMs: number | undefined;
  /** Spawn → first scrape with emails_sent_total > 0 (scraped every 250 ms). */
  readonly spawnToFirstSentMs: number | undefined;
  readonly joinedToFirstSentMs: number | undefined;
  readonly readyToFirstSentMs: number | undefined;
  readonly partitionsAtFirstJoin: number | undefined;
}

export interface ScaleEventResult {
  readonly index: number;
  readonly from: number;
  readonly to: number;
  readonly kind: 'join' | 'leave';
  readonly member: string;
  /** Seconds since the first member was spawned. */
  readonly atS: number;
  readonly windowS: number;
  /** The group was whole and working again (see `settledAfterMs`) before the window closed. */
  readonly settled: boolean;
  /** Event → newcomer sending (join) or leaver exited (leave), and every remaining member rejoined. */
  readonly settledAfterMs: number | undefined;
  readonly before: BeforeEvent;
  readonly newcomer: Newcomer | undefined;
  readonly leaver: { readonly termToExitMs: number | undefined; readonly exitCode: number | undefined } | undefined;
  readonly rebalance: RebalanceStats & { readonly perMember: ReadonlyArray<MemberRebalance & { readonly member: string }> };
  readonly evictions: ReadonlyArray<{ readonly member: string; readonly afterMs: number; readonly reason: Eviction['reason']; readonly evidence: string }>;
  readonly crashes: ReadonlyArray<{ readonly member: string; readonly afterMs: number; readonly evidence: string }>;
  /** Copies of Message-IDs already received, arriving in this event's window. */
  readonly duplicates: number;
  /**
   * Copies whose previous copy arrived in this event's window: the event lost that copy's commit.
   * Where a member kept sending after it lost its partitions, the second copies come later (from
   * the new owner), in a later window; this counts them against the event that caused them.
   */
  readonly duplicatesByPreviousCopy: number;
  /** The longest time in the window the sink accepted nothing. */
  readonly longestSinkGapMs: number;
  /** Emails/s over the last 10 s of the window: all members, and each. */
  readonly emailsPerSAfter: number;
  readonly perMemberEmailsPerSAfter: Readonly<Record<string, number>>;
}

/** A scale event's figures before its duplicates are known (they are attributed once the run ends). */
export type ScaleEventFigures = Omit<ScaleEventResult, 'duplicates' | 'duplicatesByPreviousCopy'>;

const AFTER_S = 10;

function rateBetween(samples: readonly MemberSample[], from: number, to: number): number {
  const inRange = samples.filter((s) => s.at >= from && s.at <= to);
  const first = inRange[0];
  const last = inRange.at(-1);
  if (!first || !last || last.at === first.at) return 0;
  return ((last.sent - first.sent) * 1000) / (last.at - first.at);
}

const since = (t: number | undefined, from: number | undefined): number | undefined => (t === undefined || from === undefined ? undefined : t - from);

/** Sums the members' last scrapes and the sink's rate over the last 5 s. */
export function beforeEvent(live: readonly Member[], receipts: Receipts): BeforeEvent {
  const now = Date.now();
  const last = live.map((m) => m.latest());
  const sum = (f: (s: MemberSample) => number) => last.reduce((n, s) => n + (s ? f(s) : 0), 0);
  return {
    members: live.length,
    inFlight: sum((s) => s.inFlight),
    held: sum((s) => s.held),
    settledUncommitted: sum((s) => s.settledUncommitted),
    emailsPerS: countBetween(receipts.times, now - 5_000, now) / 5,
    perMember: Object.fromEntries(
      live.map((m, i) => {
        const s = last[i];
        return [m.name, { inFlight: s?.inFlight ?? 0, held: s?.held ?? 0, scrapedMsBefore: s && now - s.at }];
      }),
    ),
  };
}

/** Everything about one event's window [start, end) that the logs, scrapes and receipts tell. */
export function describeEvent(a: {
  index: number;
  from: number;
  to: number;
  kind: 'join' | 'leave';
  changed: readonly Member[];
  live: readonly Member[];
  all: readonly Member[];
  start: number;
  end: number;
  t0: number;
  settledAt: number | undefined;
  before: BeforeEvent;
  receipts: Receipts;
}): ScaleEventFigures {
  const { start, end } = a;
  const newcomer = a.kind === 'join' ? (a.changed[0] as Member) : undefined;
  let newcomerResult: Newcomer | undefined;
  if (newcomer) {
    const events = newcomer.events();
    const joined = firstEvent(events, 'app-joined');
    const firstSent = newcomer.firstSample((s) => s.sent > 0);
    newcomerResult = {
      spawnToKafkaStartMs: since(firstEvent(events, 'starting')?.at, newcomer.spawnedAt),
      spawnToJoinedMs: since(joined?.at, newcomer.spawnedAt),
      spawnToReadyMs: since(newcomer.readyAt, newcomer.spawnedAt),
      spawnToFirstConsumedMs: since(newcomer.firstSample((s) => s.consumed > 0)?.at, newcomer.spawnedAt),
      spawnToFirstSentMs: since(firstSent?.at, newcomer.spawnedAt),
      joinedToFirstSentMs: since(firstSent?.at, joined?.at),
      readyToFirstSentMs: since(firstSent?.at, newcomer.readyAt),
      partitionsAtFirstJoin: joined?.partitions,
    };
  }
  const leaver = a.kind === 'leave' ? (a.changed[0] as Member) : undefined;
  const evictions = a.all.flatMap((m) =>
    detectEvictions(m.events())
      .filter((e) => e.at >= start && e.at < end)
      .map((e) => ({ member: m.name, afterMs: e.at - start, reason: e.reason, evidence: e.evidence })),
  );
  const crashes = a.all.flatMap((m) =>
    m
      .events()
      .filter((e): e is Extract<typeof e, { kind: 'crash' }> => e.kind === 'crash' && e.at >= start && e.at < end)
      .map((e) => ({ member: m.name, afterMs: e.at - start, evidence: e.line })),
  );
  const afterFrom = Math.max(start, end - AFTER_S * 1000);
  const stats = rebalanceStats(
    a.live.map((m) => m.events()),
    start,
    end,
  );
  return {
    index: a.index,
    from: a.from,
    to: a.to,
    kind: a.kind,
    member: a.changed.map((m) => m.name).join(', '),
    atS: (start - a.t0) / 1000,
    windowS: (end - start) / 1000,
    settled: a.settledAt !== undefined,
    settledAfterMs: since(a.settledAt, start),
    before: a.before,
    newcomer: newcomerResult,
    leaver: leaver ? { termToExitMs: since(leaver.exitedAt, start), exitCode: leaver.exitCode } : undefined,
    rebalance: { ...stats, perMember: stats.perMember.map((m, i) => ({ member: (a.live[i] as Member).name, ...m })) },
    evictions,
    crashes,
    longestSinkGapMs: longestGap(a.receipts.times, start, end),
    emailsPerSAfter: countBetween(a.receipts.times, afterFrom, end) / ((end - afterFrom) / 1000),
    perMemberEmailsPerSAfter: Object.fromEntries(a.live.map((m) => [m.name, rateBetween(m.samples, afterFrom, end)])),
  };
}

const sec = (ms: number | undefined): string => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);

/** One progress line per event. */
export function summaryLine(r: ScaleEventFigures): string {
  const parts = [
    r.newcomer
      ? `newcomer joined ${sec(r.newcomer.spawnToJoinedMs)} / first send ${sec(r.newcomer.spawnToFirstSentMs)} after spawn`
      : `leaver exited after ${sec(r.leaver?.termToExitMs)}`,
    `group stable after ${sec(r.rebalance.stableAfterMs)}`,
    `slowest rejoin once told ${sec(r.rebalance.slowestRejoinMs)}${r.rebalance.neverRejoined ? ` (${r.rebalance.neverRejoined} never rejoined)` : ''}`,
    `evictions ${r.evictions.length}`,
    `longest sink gap ${sec(r.longestSinkGapMs)}`,
    `${r.emailsPerSAfter.toFixed(0)} emails/s at the end`,
  ];
  return parts.join(', ');
}
