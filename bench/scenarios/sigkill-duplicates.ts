import { sleep } from '../../src/platform/sleep.js';
import { type RedisServer, redisServerMissing, startRedisServer } from '../../test/support/redis.js';
import { type GroupBenchContext, memberEnv } from '../group/context.js';
import { type Distribution, distribution } from '../group/distribution.js';
import { createEventTopic } from '../group/event-topic.js';
import { claimsInFlight, InFlightReceipts } from '../group/in-flight-watch.js';
import { type Member, spawnMember, waitReady } from '../group/member.js';
import { sigkillBacklog, type SigkillOptions } from '../group/options.js';
import { attribute, countBetween, lowerBound } from '../group/receipts.js';

/** After a kill, receipts this soon still come from the killed instance's last sends. */
const KILL_SETTLE_MS = 1_000;

export interface KillResult {
  readonly index: number;
  /** Seconds from this instance's first send to the SIGKILL. */
  readonly ranS: number;
  /** Emails the sink accepted per second over the 2 s before the kill. */
  readonly emailsPerS: number;
  /** From the killed instance's last scrape (≤ 250 ms before the kill). */
  readonly inFlight: number;
  readonly held: number;
  readonly settledUncommitted: number;
  /** Milliseconds between the sink's last receipt and the kill (a stall just before it shows here). */
  readonly msSinceLastReceipt: number | undefined;
  /**
   * Sent at least once but not covered by the group's committed offsets once the instance was dead:
   * what the restart will send again, from the broker's side (distinct Message-IDs − committed offsets).
   */
  readonly sentUncommitted: number;
  /** Copies of Message-IDs already received, arriving between this kill and the next (or the end), each + 1 s. */
  readonly duplicates: number;
  /**
   * Copies whose previous copy arrived while the killed instance ran (since the kill before, up to
   * 1 s after its own kill, which covers the sends in flight that the SMTP server still accepted): the
   * commits this kill lost. A message a restart had not reached before the next kill is sent again
   * only later, so copies can arrive after the next kill; this counts them against the right kill.
   */
  readonly duplicatesByPreviousCopy: number;
  /** The restarted instance: spawn → its first send. */
  readonly restartToFirstSendMs: number | undefined;
  /** Seconds from the kill to the first and the last of its duplicates (a ledger claim expires only after its lease). */
  readonly duplicatesArrivedS: { readonly first: number; readonly last: number } | undefined;
  /**
   * Ledger arm: the events the killed instance held claims for (its sends in flight), and seconds
   * from the restart until the last of them was sent again (undefined if some never were).
   */
  readonly inFlightClaims:
    | { readonly claims: number; readonly arrived: number; readonly firstSentAfterRestartS: number | undefined; readonly sentAfterRestartS: number | undefined }
    | undefined;
}

export interface ArmResult {
  readonly ledger: boolean;
  readonly topic: string;
  readonly produced: number;
  readonly received: number;
  readonly unique: number;
  /** Produced events never accepted by the sink (after the drain). */
  readonly lost: number;
  readonly drained: boolean;
  readonly kills: readonly KillResult[];
  /** Of `duplicatesByPreviousCopy`. */
  readonly duplicatesPerKill: Distribution;
  /** Every copy beyond the first, whatever kill it belongs to. */
  readonly duplicates: number;
  /** Median over the kills of the rate just before each. */
  readonly emailsPerSBeforeKill: number | undefined;
  /**
   * Duplicates of each kill ÷ the rate just before it: how many milliseconds of sending were repeated
   * (rate-independent; about the time since the last commit, plus the sends in flight).
   */
  readonly repeatedMsPerKill: Distribution;
  /** Ledger arm: restart → every email the killed instance had in flight sent, over the kills. */
  readonly inFlightSentAfterRestartS: Distribution;
  /** Duplicates before the first kill (should be 0). */
  readonly duplicatesBeforeFirstKill: number;
  /** Events the sent ledger skipped, summed over the instances' last scrapes (ledger arm). */
  readonly skippedByLedger: number | undefined;
  readonly memberLogs: readonly string[];
}

export interface SigkillResult {
  readonly backlog: number;
  readonly arms: readonly ArmResult[];
}

/**
 * One instance sending at about `expectedRate` emails/s from a large backlog; SIGKILL it mid-stream,
 * restart it at once (same group), `kills` times, then drain. Every Message-ID received a second
 * time after a kill is a duplicate of that kill. Once without the Redis sent ledger, once with it.
 */
export async function runSigkillDuplicates(ctx: GroupBenchContext, o: SigkillOptions): Promise<SigkillResult> {
  const arms: boolean[] = o.ledger === 'both' ? [false, true] : [o.ledger === 'on'];
  if (arms.includes(true)) {
    const missing = redisServerMissing();
    if (missing) throw new Error(`the ledger arm needs redis-server: ${missing}`);
  }
  await ctx.sink.setLatency(o.latencyMs);
  const backlog = sigkillBacklog(o);
  const results: ArmResult[] = [];
  for (const ledger of arms) results.push(await runArm(ctx, o, backlog, ledger));
  return { backlog, arms: results };
}

async function runArm(ctx: GroupBenchContext, o: SigkillOptions, backlog: number, ledger: boolean): Promise<ArmResult> {
  const { say } = ctx;
  const label = ledger ? 'ledger' : 'no ledger';
  const receipts = new InFlightReceipts();
  ctx.sink.use(receipts);
  const topic = await createEventTopic({ brokers: ctx.brokers, label: ledger ? 'killledger' : 'kill', partitions: o.partitions });
  let redis: RedisServer | undefined;
  const members: Member[] = [];
  try {
    const produceStarted = Date.now();
    await topic.produce(backlog);
    say(`sigkill (${label}): ${backlog} events on ${topic.topic} produced in ${((Date.now() - produceStarted) / 1000).toFixed(1)} s`);
    if (ledger) redis = await startRedisServer();
    const groupId = `${topic.topic}.dispatcher`;
    const env = memberEnv(ctx, {
      topic: topic.topic,
      dlqTopic: topic.dlqTopic,
      groupId,
      workers: o.workers,
      buffer: o.buffer,
      extra: {
        KAFKA_SESSION_TIMEOUT_MS: String(o.sessionTimeoutMs),
        SMTP_TIMEOUT_MS: String(o.smtpTimeoutMs),
        // Code without the variable ignores it.
        SMTP_SEND_TIMEOUT_MS: String(o.smtpTimeoutMs),
        ...(redis
          ? {
              IDEMPOTENCY_REDIS_URL: redis.url,
              ...(o.leaseMs > 0 ? { IDEMPOTENCY_LEASE_MS: String(o.leaseMs), IDEMPOTENCY_LEASE_RENEW_MS: String(Math.max(1, Math.floor(o.leaseMs / 5))) } : {}),
            }
          : {}),
      },
    });
    const spawn = async (): Promise<Member> => {
      const m = await spawnMember({ serviceRoot: o.serviceRoot, name: `${ledger ? 'ledger' : 'plain'}-${members.length + 1}`, env, logDir: ctx.logDir });
      members.push(m);
      return m;
    };
    const firstSend = async (m: Member): Promise<number> => {
      await waitReady(m);
      const deadline = Date.now() + 120_000;
      for (;;) {
        const s = m.firstSample((x) => x.sent > 0);
        if (s) return s.at;
        if (m.exitedAt !== undefined) throw new Error(`${m.name} exited with code ${m.exitCode} before sending (log ${m.logFile})`);
        if (Date.now() > deadline) throw new Error(`${m.name} sent nothing within 120 s of being ready (log ${m.logFile})`);
        await sleep(50);
      }
    };

    const killTimes: number[] = [];
    const kills: Array<Omit<KillResult, 'duplicates' | 'duplicatesByPreviousCopy' | 'restartToFirstSendMs' | 'duplicatesArrivedS' | 'inFlightClaims'>> = [];
    const watches: Array<{ index: number; restartAt: number } | undefined> = [];
    const armStart = Date.now();
    const restarts: Array<number | undefined> = [];
    let member = await spawn();
    for (let k = 1; k <= o.kills; k += 1) {
      const firstAt = await firstSend(member);
      if (k > 1) restarts.push(firstAt - member.spawnedAt);
      // A random phase against the commit interval, so the kills sample it evenly.
      await sleep(o.runS * 1000 + Math.random() * 1000);
      const last = member.latest();
      const killAt = Date.now();
      await member.kill();
      killTimes.push(killAt);
      // Its claims, read before the restart can claim anything (a few ms).
      const inFlightIds = redis ? await claimsInFlight(redis.url) : undefined;
      const restartAt = Date.now();
      watches.push(inFlightIds ? { index: receipts.watch(inFlightIds, killAt + KILL_SETTLE_MS), restartAt } : undefined);
      // Restart at once (as a supervisor would); the count below needs no running member.
      const restarted = spawn();
      // Let the sends that were in flight land (see KILL_SETTLE_MS) before counting what is uncommitted.
      await sleep(KILL_SETTLE_MS);
      await ctx.sink.sync();
      const lastReceipt = receipts.times[lowerBound(receipts.times, killAt) - 1];
      const sentUncommitted = receipts.unique - (await topic.committedCount(groupId));
      const emailsPerS = countBetween(receipts.times, killAt - 2_000, killAt) / 2;
      kills.push({
        index: k,
        ranS: (killAt - firstAt) / 1000,
        emailsPerS,
        inFlight: last?.inFlight ?? 0,
        held: last?.held ?? 0,
        settledUncommitted: last?.settledUncommitted ?? 0,
        msSinceLastReceipt: lastReceipt === undefined ? undefined : killAt - lastReceipt,
        sentUncommitted,
      });
      say(
        `sigkill (${label}): kill ${k} after ${((killAt - firstAt) / 1000).toFixed(1)} s at ${emailsPerS.toFixed(0)} emails/s; in flight ${last?.inFlight}, held ${last?.held}; sent but uncommitted ${sentUncommitted}; restarting`,
      );
      member = await restarted;
    }
    const lastFirst = await firstSend(member);
    restarts.push(lastFirst - member.spawnedAt);
    const deadline = Date.now() + o.drainTimeoutS * 1000;
    while (receipts.unique < topic.produced && Date.now() < deadline) await sleep(200);
    const drained = receipts.unique >= topic.produced;
    // Late copies (a claim that expired, a retry) still count: give them a moment.
    await sleep(2_000);
    await ctx.sink.sync();
    const end = Date.now();
    await member.stop();
    // A mail in flight at the kill can still be accepted a few ms later (the sink sees the closed
    // connection only after its reply went out): it belongs to the killed instance. Nothing of the
    // restarted one arrives that early (its restart takes seconds: restartToFirstSendMs).
    const cut = killTimes.map((t) => t + KILL_SETTLE_MS);
    const dup = attribute(receipts.duplicateTimes, [...cut, end]);
    const dupPrevious = attribute(
      [...receipts.duplicatePreviousTimes].sort((a, b) => a - b),
      [armStart, ...cut],
    );
    const boundaries = [...cut, end];
    const inFlightOf = (w: { index: number; restartAt: number } | undefined): KillResult['inFlightClaims'] => {
      if (!w) return undefined;
      const { arrived, of, firstAt, lastAt } = receipts.settled(w.index);
      const since = (t: number | undefined) => (t === undefined ? undefined : Math.max(0, (t - w.restartAt) / 1000));
      return { claims: of, arrived, firstSentAfterRestartS: since(firstAt), sentAfterRestartS: arrived !== of ? undefined : of === 0 ? 0 : since(lastAt) };
    };
    const results: KillResult[] = kills.map((k, i) => {
      const from = boundaries[i] as number;
      const inWindow = receipts.duplicateTimes.filter((t) => t >= from && t < (boundaries[i + 1] as number));
      const first = inWindow[0];
      const last = inWindow.at(-1);
      return {
        ...k,
        duplicates: dup.windows[i] ?? 0,
        duplicatesByPreviousCopy: dupPrevious.windows[i] ?? 0,
        restartToFirstSendMs: restarts[i],
        duplicatesArrivedS:
          first === undefined || last === undefined
            ? undefined
            : { first: (first - (killTimes[i] as number)) / 1000, last: (last - (killTimes[i] as number)) / 1000 },
        inFlightClaims: inFlightOf(watches[i]),
      };
    });
    const perKill = results.map((k) => k.duplicatesByPreviousCopy);
    say(`sigkill (${label}): duplicates per kill ${perKill.join(', ')}; ${drained ? 'drained' : 'NOT drained'} (${receipts.unique}/${topic.produced})`);
    const rates = results.map((k) => k.emailsPerS).sort((a, b) => a - b);
    return {
      ledger,
      topic: topic.topic,
      produced: topic.produced,
      received: receipts.total,
      unique: receipts.unique,
      lost: topic.produced - receipts.unique,
      drained,
      kills: results,
      duplicatesPerKill: distribution(perKill),
      duplicates: receipts.duplicates,
      emailsPerSBeforeKill: distribution(rates).p50,
      repeatedMsPerKill: distribution(results.filter((k) => k.emailsPerS > 0).map((k) => (k.duplicatesByPreviousCopy / k.emailsPerS) * 1000)),
      duplicatesBeforeFirstKill: dup.before,
      inFlightSentAfterRestartS: distribution(
        results.flatMap((k) => (k.inFlightClaims?.sentAfterRestartS === undefined ? [] : [k.inFlightClaims.sentAfterRestartS])),
      ),
      skippedByLedger: ledger ? members.reduce((n, m) => n + (m.latest()?.skipped ?? 0), 0) : undefined,
      memberLogs: members.map((m) => m.logFile),
    };
  } finally {
    await Promise.all(members.map((m) => m.stop(10_000)));
    await redis?.stop();
    await topic.close();
  }
}
