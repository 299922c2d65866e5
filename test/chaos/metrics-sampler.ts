import { appendFileSync } from 'node:fs';

import type { Member } from './service-fleet.js';

/** Series worth a timeline when a run goes wrong: where each member committed, what it held, how commits went. */
const SAMPLED = new Set([
  'email_dispatcher_committed_offset',
  'email_dispatcher_settled_uncommitted_messages',
  'email_dispatcher_oldest_unsettled_age_seconds',
  'email_dispatcher_partition_blocked',
  'email_dispatcher_held_messages',
  'email_dispatcher_retry_waiting_messages',
  'email_dispatcher_offset_commits_total',
  'email_dispatcher_smtp_circuit_open',
  'email_dispatcher_dlq_publish_stalled_messages',
  'email_dispatcher_ready',
]);

/** The sampled series of a Prometheus text exposition, as `name{labels}` → value. */
export function sampleMetrics(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || !SAMPLED.has(match[1] as string)) continue;
    const value = Number(match[3]);
    if (Number.isFinite(value)) out[`${match[1]}${(match[2] ?? '').replace(/topic="[^"]*",?/, '')}`] = value;
  }
  return out;
}

export interface MetricsSampler {
  stop(): void;
}

/**
 * Scrapes every running member's /metrics every `everyMs` and appends one JSON line per member and
 * sample to `file` (metrics.jsonl in the run's directory): the timeline a defect report needs (who
 * committed what when, what was held, whether commits failed). Best effort: a member that does not
 * answer is skipped.
 */
export function startMetricsSampler({
  members,
  clock,
  file,
  everyMs = 2_000,
}: {
  members: () => Member[];
  clock: () => number;
  file: string;
  everyMs?: number;
}): MetricsSampler {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void Promise.all(
      members().map(async (m) => {
        const res = await fetch(`http://127.0.0.1:${m.httpPort}/metrics`, { signal: AbortSignal.timeout(1_000) }).catch(() => undefined);
        if (!res?.ok) return;
        const values = sampleMetrics(await res.text());
        appendFileSync(file, `${JSON.stringify({ atMs: clock(), member: m.name, values })}\n`);
      }),
    ).finally(() => (busy = false));
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
