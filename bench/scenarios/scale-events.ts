import { sleep } from '../../src/platform/sleep.js';
import type { GroupBenchContext } from '../group/context.js';
import { memberEnv } from '../group/context.js';
import { createEventTopic } from '../group/event-topic.js';
import { detectEvictions } from '../group/group-log.js';
import { type Member, spawnMember, waitReady } from '../group/member.js';
import type { ScaleOptions } from '../group/options.js';
import { rebalanceStats } from '../group/rebalance-stats.js';
import { attribute, countBetween, Receipts } from '../group/receipts.js';
import { beforeEvent, describeEvent, type ScaleEventFigures, type ScaleEventResult, summaryLine } from '../group/scale-event-figures.js';

export type { BeforeEvent, Newcomer, ScaleEventResult } from '../group/scale-event-figures.js';

export interface ScaleResult {
  readonly topic: string;
  readonly groupId: string;
  readonly produced: number;
  readonly received: number;
  readonly unique: number;
  /** During the warm-up, before the first event. */
  readonly warmup: { readonly duplicates: number; readonly duplicatesByPreviousCopy: number; readonly evictions: number; readonly emailsPerS: number };
  readonly events: readonly ScaleEventResult[];
  /** Duplicates after the last window (final shutdown). */
  readonly duplicatesAfter: number;
  readonly memberLogs: Readonly<Record<string, string>>;
  readonly seconds: number;
}

/**
 * One instance with a topped-up backlog, SMTP answering after `latencyMs`; the group then grows and
 * shrinks through `members` (new members are spawned service processes, the newest leaves by
 * SIGTERM). For each event: when the newcomer got work, how the rebalance went, who was evicted and
 * how many emails went out twice.
 */
export async function runScaleEvents(ctx: GroupBenchContext, o: ScaleOptions): Promise<ScaleResult> {
  const { say } = ctx;
  const receipts = new Receipts();
  ctx.sink.use(receipts);
  await ctx.sink.setLatency(o.latencyMs);
  const topic = await createEventTopic({ brokers: ctx.brokers, label: 'scale', partitions: o.partitions });
  const groupId = `${topic.topic}.dispatcher`;
  const env = memberEnv(ctx, { topic: topic.topic, dlqTopic: topic.dlqTopic, groupId, workers: o.workers, buffer: o.buffer });
  const all: Member[] = [];
  const live: Member[] = [];
  let stopTopUp: (() => Promise<void>) | undefined;
  let next = 1;
  const spawn = async (): Promise<Member> => {
    const m = await spawnMember({ serviceRoot: o.serviceRoot, name: `member-${next++}`, env, logDir: ctx.logDir });
    all.push(m);
    live.push(m);
    return m;
  };
  try {
    await topic.produce(o.backlog);
    say(
      `scale: ${o.backlog} events on ${topic.topic} (${o.partitions} partitions); SMTP latency ${o.latencyMs} ms; ${o.workers} workers, buffer ${o.buffer} per member`,
    );
    stopTopUp = topic.keepToppedUp({ target: o.backlog, received: () => receipts.unique });
    const t0 = Date.now();
    const initial = o.members[0] as number;
    for (let i = 0; i < initial; i += 1) await spawn();
    for (const m of live) await waitReady(m);
    while (receipts.total === 0) await sleep(50);
    say(`scale: ${initial} member(s) sending; warming up ${o.warmupS} s`);
    await sleep(o.warmupS * 1000);

    const windows: Array<{ start: number; end: number; result: ScaleEventFigures }> = [];
    for (let i = 1; i < o.members.length; i += 1) {
      const from = o.members[i - 1] as number;
      const to = o.members[i] as number;
      const kind = to > from ? 'join' : 'leave';
      const before = beforeEvent(live, receipts);
      const start = Date.now();
      const changed: Member[] = [];
      if (kind === 'join') {
        for (let k = from; k < to; k += 1) changed.push(await spawn());
      } else {
        for (let k = from; k > to; k -= 1) {
          const leaver = live.pop() as Member;
          leaver.terminate();
          changed.push(leaver);
        }
      }
      say(`scale: event ${i} ${from} → ${to} (${kind} ${changed.map((m) => m.name).join(', ')}); in flight before: ${before.inFlight}, held ${before.held}`);
      const settled = (): boolean => {
        const rejoined =
          rebalanceStats(
            live.map((m) => m.events()),
            start,
            Date.now() + 1,
          ).stableAfterMs !== undefined;
        const done = kind === 'join' ? changed.every((m) => m.firstSample((s) => s.sent > 0) !== undefined) : changed.every((m) => m.exitedAt !== undefined);
        return rejoined && done;
      };
      let settledAt: number | undefined;
      for (;;) {
        const now = Date.now();
        // A further rebalance (a leaver that rejoins before it leaves, an evicted member coming
        // back) unsettles the group again: the window then waits for that one too.
        const isSettled = settled();
        if (isSettled && settledAt === undefined) {
          settledAt = now;
          say(`scale: event ${i} settled after ${((now - start) / 1000).toFixed(1)} s`);
        } else if (!isSettled && settledAt !== undefined) {
          settledAt = undefined;
          say(`scale: event ${i} unsettled again after ${((now - start) / 1000).toFixed(1)} s`);
        }
        const end =
          settledAt === undefined
            ? start + o.maxEventS * 1000
            : Math.min(start + o.maxEventS * 1000, Math.max(start + o.minEventS * 1000, settledAt + o.settleS * 1000));
        if (now >= end) break;
        await sleep(Math.min(250, end - now));
      }
      await ctx.sink.sync();
      const end = Date.now();
      const result = describeEvent({ index: i, from, to, kind, changed, live, all, start, end, t0, settledAt, before, receipts });
      windows.push({ start, end, result });
      say(`scale: event ${i} → ${summaryLine(result)}`);
    }
    await stopTopUp();
    stopTopUp = undefined;
    await Promise.all(live.map((m) => m.stop()));
    await ctx.sink.sync();
    const boundaries = [...windows.map((w) => w.start), (windows.at(-1) as { end: number }).end];
    const dup = attribute(receipts.duplicateTimes, boundaries);
    const dupPrevious = attribute(
      [...receipts.duplicatePreviousTimes].sort((a, b) => a - b),
      boundaries,
    );
    const firstStart = windows[0]?.start ?? Date.now();
    const warmupEvictions = all.flatMap((m) => detectEvictions(m.events())).filter((e) => e.at < firstStart).length;
    return {
      topic: topic.topic,
      groupId,
      produced: topic.produced,
      received: receipts.total,
      unique: receipts.unique,
      warmup: {
        duplicates: dup.before,
        duplicatesByPreviousCopy: dupPrevious.before,
        evictions: warmupEvictions,
        emailsPerS: countBetween(receipts.times, firstStart - o.warmupS * 1000, firstStart) / o.warmupS,
      },
      events: windows.map((w, i) => ({ ...w.result, duplicates: dup.windows[i] ?? 0, duplicatesByPreviousCopy: dupPrevious.windows[i] ?? 0 })),
      duplicatesAfter: dup.after,
      memberLogs: Object.fromEntries(all.map((m) => [m.name, m.logFile])),
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    await stopTopUp?.();
    await Promise.all(all.map((m) => m.stop(10_000)));
    await topic.close();
  }
}
