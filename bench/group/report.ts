import type { ScaleResult } from '../scenarios/scale-events.js';
import type { SigkillResult } from '../scenarios/sigkill-duplicates.js';
import type { ScaleOptions, SigkillOptions } from './options.js';
import type { RunInfo } from './runner.js';

const n = (x: number | undefined, digits = 0): string =>
  x === undefined || !Number.isFinite(x) ? '—' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const sec = (ms: number | undefined): string => (ms === undefined ? '—' : `${n(ms / 1000, 1)} s`);

function header(info: RunInfo): string {
  const m = info.machine;
  const load = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(' ');
  return `Run ${info.date} · \`${info.command}\` · service ${info.serviceRoot} at ${info.serviceCommit ?? '?'} · ${m.nproc} CPUs (${m.cpu ?? '?'}), ${m.memoryGiB} GiB · Node ${m.node} · Kafka ${m.kafka} · load average ${load(m.loadavgStart)} at start, ${load(m.loadavgEnd)} at end (shared machine)`;
}

/** The scale-event figures as Markdown (printed, written next to the JSON, pasted into BENCHMARKS.md). */
export function formatScaleReport(info: RunInfo, o: ScaleOptions, r: ScaleResult): string {
  const lines = [header(info), ''];
  lines.push(
    `Settings: ${o.partitions} partitions, backlog ${n(o.backlog)} events kept topped up, SMTP latency ${o.latencyMs} ms, EMAIL_WORKER_COUNT ${o.workers}, EMAIL_WORKER_BUFFER ${o.buffer} per member; members ${o.members.join(' → ')}; ${o.warmupS} s warm-up; each window ≥ ${o.minEventS} s, ${o.settleS} s after the group settled, ≤ ${o.maxEventS} s. ${n(r.produced)} events produced, ${n(r.received)} mails accepted (${n(r.unique)} distinct) in ${n(r.seconds)} s.`,
    `Warm-up (${o.members[0]} member(s)): ${n(r.warmup.emailsPerS)} emails/s, ${r.warmup.duplicates} duplicates, ${r.warmup.evictions} evictions. After the last window (final shutdown): ${r.duplicatesAfter} duplicates.`,
    '',
    '| event | sends in flight just before (held) | newcomer: spawn → joined / ready / first send | newcomer: joined → first send | leaver: SIGTERM → exit | group whole again after | slowest rejoin once told | joins, longest join+sync | member evicted | duplicates: caused / arriving in window | ≤ in flight | longest sink silence | emails/s at the end (per member) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const e of r.events) {
    const nc = e.newcomer;
    const evicted = e.evictions.length === 0 ? 'no' : `**yes**: ${[...new Set(e.evictions.map((x) => `${x.member} at ${sec(x.afterMs)}`))].join(', ')}`;
    const cells = [
      `${e.index}: ${e.from} → ${e.to}`,
      `${e.before.inFlight} (${e.before.held}): ${Object.values(e.before.perMember)
        .map((m) => `${m.inFlight} (${m.held})`)
        .join(' + ')}`,
      nc
        ? `${sec(nc.spawnToJoinedMs)} / ${sec(nc.spawnToReadyMs)} / ${nc.spawnToFirstSentMs === undefined ? `none in ${n(e.windowS)} s` : sec(nc.spawnToFirstSentMs)}`
        : '—',
      nc ? sec(nc.joinedToFirstSentMs) : '—',
      e.leaver ? sec(e.leaver.termToExitMs) : '—',
      e.rebalance.stableAfterMs === undefined ? `not in ${n(e.windowS)} s` : sec(e.rebalance.stableAfterMs),
      `${sec(e.rebalance.slowestRejoinMs)}${e.rebalance.neverRejoined ? `; ${e.rebalance.neverRejoined} never` : ''}`,
      `${e.rebalance.joins}, ${sec(e.rebalance.maxJoinSyncMs)}`,
      evicted,
      `${e.duplicatesByPreviousCopy} / ${e.duplicates}`,
      e.duplicatesByPreviousCopy <= e.before.inFlight ? 'yes' : '**no**',
      sec(e.longestSinkGapMs),
      `${n(e.emailsPerSAfter)} (${Object.values(e.perMemberEmailsPerSAfter)
        .map((x) => n(x))
        .join(' / ')})`,
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const evidence = r.events.flatMap((e) => [...e.evictions.map((x) => ({ e, x, kind: 'eviction' })), ...e.crashes.map((x) => ({ e, x, kind: 'crash' }))]);
  if (evidence.length > 0) {
    lines.push('', 'Evidence (first lines of each eviction or crash, from the member logs):', '');
    for (const { e, x, kind } of evidence.slice(0, 12))
      lines.push(`- event ${e.index}, ${x.member}, ${sec(x.afterMs)} after the event (${kind}): \`${x.evidence.replace(/`/g, "'").slice(0, 300)}\``);
  }
  lines.push('', `Member logs: ${Object.values(r.memberLogs).join(', ')}`);
  return lines.join('\n');
}

/** The SIGKILL figures as Markdown. */
export function formatSigkillReport(info: RunInfo, o: SigkillOptions, r: SigkillResult): string {
  const lines = [header(info), ''];
  lines.push(
    `Settings: ${o.partitions} partitions, SMTP latency ${o.latencyMs} ms, EMAIL_WORKER_COUNT ${o.workers}, EMAIL_WORKER_BUFFER ${o.buffer}, default KAFKA_COMMIT_INTERVAL_MS unless set in the environment; ${o.kills} SIGKILLs per arm, each ${o.runS}–${o.runS + 1} s after the restarted instance's first send; KAFKA_SESSION_TIMEOUT_MS ${o.sessionTimeoutMs}, SMTP_TIMEOUT_MS ${o.smtpTimeoutMs}, IDEMPOTENCY_LEASE_MS ${o.leaseMs > 0 ? o.leaseMs : "the service's default"} (ledger arm).`,
    '',
    '| arm | emails/s before the kills (median) | duplicates per kill: min / median / p90 / max (mean) | each kill | all duplicates | ms of sending repeated per kill: median (max) | sends in flight at each kill | sent but not committed at each kill | lost | drained |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const a of r.arms) {
    const d = a.duplicatesPerKill;
    lines.push(
      `| ${a.ledger ? 'with the Redis sent ledger' : 'without ledger'} | ${n(a.emailsPerSBeforeKill)} | ${n(d.min)} / ${n(d.p50)} / ${n(d.p90)} / ${n(d.max)} (${n(d.mean, 1)}) | ${a.kills.map((k) => k.duplicatesByPreviousCopy).join(', ')} | ${n(a.duplicates)} | ${n(a.repeatedMsPerKill.p50)} (${n(a.repeatedMsPerKill.max)}) | ${a.kills.map((k) => k.inFlight).join(', ')} | ${a.kills.map((k) => k.sentUncommitted).join(', ')} | ${a.lost} | ${a.drained ? 'yes' : '**no**'} |`,
    );
  }
  lines.push(
    '',
    'A duplicate is counted against the kill that lost the commit of the copy before it (that copy arrived while the killed instance ran). "Sent but not committed" is read from the broker once the instance is dead: distinct Message-IDs received minus the messages below the committed offsets (it counts again what an earlier restart had not reached yet). Per kill below: seconds of sending before it, emails/s over the 2 s before it, ms since the last mail before it, restart → first send of the next instance, duplicates arriving between this kill and the next, and when (after the kill).',
    '',
  );
  for (const a of r.arms.filter((arm) => arm.ledger)) {
    const d = a.inFlightSentAfterRestartS;
    lines.push(
      `**Recovery with the ledger**: restart → every email the killed instance had in flight (its claims in Redis at the kill) sent again: min / median / max ${n(d.min, 1)} / ${n(d.p50, 1)} / ${n(d.max, 1)} s over ${d.n} kill(s) (${a.kills.map((k) => (k.inFlightClaims ? `${k.inFlightClaims.claims} in flight, first sent again ${n(k.inFlightClaims.firstSentAfterRestartS, 1)} s, ${k.inFlightClaims.sentAfterRestartS === undefined ? `only ${k.inFlightClaims.arrived} sent again` : `all ${n(k.inFlightClaims.sentAfterRestartS, 1)} s`}` : '–')).join('; ')}).`,
      '',
    );
  }
  for (const a of r.arms) {
    const arrived = (k: SigkillResult['arms'][number]['kills'][number]) =>
      k.duplicatesArrivedS ? `, arrived ${n(k.duplicatesArrivedS.first, 1)}–${n(k.duplicatesArrivedS.last, 1)} s` : '';
    lines.push(
      `- ${a.ledger ? 'ledger' : 'no ledger'}: ${a.kills.map((k) => `${n(k.ranS, 1)} s at ${n(k.emailsPerS)}/s, last mail ${n(k.msSinceLastReceipt)} ms before, next first send ${sec(k.restartToFirstSendMs)}, ${k.duplicates} arriving${arrived(k)}`).join('; ')}${a.skippedByLedger === undefined ? '' : `; skipped by the ledger: ${n(a.skippedByLedger)}`}`,
    );
  }
  return lines.join('\n');
}
