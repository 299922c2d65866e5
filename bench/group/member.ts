import { readFileSync } from 'node:fs';
import path from 'node:path';

import { freePort } from '../../dev/loadtest/free-port.js';
import { spawnService } from '../../dev/service-process.js';
import { sleep } from '../../src/platform/sleep.js';
import { type GroupLogEvent, parseGroupLog } from './group-log.js';
import { metricSum } from './prometheus-text.js';

/** One scrape of a member's /metrics. */
export interface MemberSample {
  readonly at: number;
  readonly sent: number;
  readonly consumed: number;
  /** SMTP sends in progress. */
  readonly inFlight: number;
  /** Messages held in process (queued + in flight + waiting to retry + settling). */
  readonly held: number;
  /** Settled but not yet covered by a commit (the gauge is refreshed once a second). */
  readonly settledUncommitted: number;
  /** Skipped because the sent ledger already had them. */
  readonly skipped: number;
}

/** A service process in the group: spawned from `serviceRoot`, scraped, its log parsed on demand. */
export interface Member {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly httpPort: number;
  readonly spawnedAt: number;
  readonly samples: readonly MemberSample[];
  /** First 200 from /readyz (joined its group and SMTP verified). */
  readonly readyAt: number | undefined;
  readonly exitedAt: number | undefined;
  readonly exitCode: number | undefined;
  readonly exited: Promise<number>;
  latest(): MemberSample | undefined;
  /** The first sample at or after `t` that satisfies `test`. */
  firstSample(test: (s: MemberSample) => boolean, t?: number): MemberSample | undefined;
  /** Group events from its log so far. */
  events(): GroupLogEvent[];
  /** SIGTERM (graceful shutdown), not awaited. */
  terminate(): void;
  /** SIGKILL; resolves with 137. */
  kill(): Promise<number>;
  /** SIGTERM, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number>;
}

export interface SpawnMemberOptions {
  /** Checkout whose cmd/service.ts runs (through that checkout's tsx). */
  readonly serviceRoot: string;
  readonly name: string;
  /** Service configuration; HTTP_PORT is chosen here. */
  readonly env: Readonly<Record<string, string>>;
  readonly logDir: string;
  /** `dist` runs the compiled service (`npm run build` in `serviceRoot` first), as the image does. @default 'source' */
  readonly entry?: 'source' | 'dist';
  /** @default 250 */
  readonly sampleEveryMs?: number;
}

const live = new Set<Member>();

/** SIGKILLs every member still running: for the runner's exit and signal handlers. */
export function killAllMembers(): void {
  for (const m of live) {
    try {
      process.kill(m.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export async function spawnMember(o: SpawnMemberOptions): Promise<Member> {
  const httpPort = await freePort();
  const logFile = path.join(o.logDir, `${o.name}.log`);
  const spawnedAt = Date.now();
  const proc = spawnService({ projectRoot: o.serviceRoot, entry: o.entry ?? 'source', logFile, env: { ...o.env, HTTP_PORT: String(httpPort) } });
  const samples: MemberSample[] = [];
  let readyAt: number | undefined;
  let exitedAt: number | undefined;
  let exitCode: number | undefined;
  const gone = new AbortController();
  const exited = proc.exited.then((code) => {
    exitedAt = Date.now();
    exitCode = code;
    gone.abort();
    live.delete(member);
    return code;
  });
  const base = `http://127.0.0.1:${httpPort}`;
  const sampleEveryMs = o.sampleEveryMs ?? 250;

  async function scrape(): Promise<void> {
    const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(2_000) });
    const text = await res.text();
    const v = (name: string) => metricSum(text, `email_dispatcher_${name}`) ?? 0;
    samples.push({
      at: Date.now(),
      sent: v('emails_sent_total'),
      consumed: v('messages_consumed_total'),
      inFlight: v('in_flight_messages'),
      held: v('held_messages'),
      settledUncommitted: v('settled_uncommitted_messages'),
      skipped: v('duplicates_skipped_total'),
    });
    if (readyAt === undefined) {
      const ready = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await ready.body?.cancel();
      if (ready.status === 200) readyAt = Date.now();
    }
  }

  void (async () => {
    while (!gone.signal.aborted) {
      // Refused until the HTTP server is up, and again once it closed: both are expected.
      await scrape().catch(() => {});
      await sleep(sampleEveryMs, gone.signal).catch(() => {});
    }
  })();

  const member: Member = {
    name: o.name,
    pid: proc.pid,
    logFile,
    httpPort,
    spawnedAt,
    samples,
    get readyAt() {
      return readyAt;
    },
    get exitedAt() {
      return exitedAt;
    },
    get exitCode() {
      return exitCode;
    },
    exited,
    latest: () => samples.at(-1),
    firstSample: (test, t = -Infinity) => samples.find((s) => s.at >= t && test(s)),
    events() {
      try {
        return parseGroupLog(readFileSync(logFile, 'utf8'));
      } catch {
        return [];
      }
    },
    terminate() {
      if (exitedAt === undefined) process.kill(proc.pid, 'SIGTERM');
    },
    async kill() {
      if (exitedAt === undefined) process.kill(proc.pid, 'SIGKILL');
      return exited;
    },
    async stop(graceMs = 30_000) {
      await proc.stop(graceMs);
      return exited;
    },
  };
  live.add(member);
  return member;
}

/** Resolves once the member answered 200 on /readyz; rejects if it exits first or `timeoutMs` passes. */
export async function waitReady(member: Member, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (member.readyAt === undefined) {
    if (member.exitedAt !== undefined) throw new Error(`${member.name} exited with code ${member.exitCode} before it was ready (log ${member.logFile})`);
    if (Date.now() > deadline) throw new Error(`${member.name} was not ready within ${timeoutMs / 1000} s (log ${member.logFile})`);
    await sleep(50);
  }
}
