import type { LogRecord, PartitionOffsets } from './history.js';

export interface DrainOptions {
  /** Due records (read back from the log). */
  readonly due: readonly LogRecord[];
  /** True once the event was accepted by SMTP or seen on the DLQ. */
  readonly settled: (eventId: string) => boolean;
  readonly offsets: () => Promise<readonly PartitionOffsets[]>;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
  /** @default 1_000 */
  readonly everyMs?: number;
}

export interface DrainResult {
  /** Everything due was settled and committed before the deadline. */
  readonly drained: boolean;
  readonly waitedMs: number;
  readonly unsettled: number;
}

/**
 * Waits (bounded) until every due record was delivered or dead-lettered and the group committed past
 * the last due record of every partition. Not "committed = end offset": a transaction's marker can
 * be the last offset of a partition, and whether the group commits past it is for the checker to
 * judge (stuck partitions), not a reason to wait out the deadline.
 */
export async function waitForDrain(o: DrainOptions): Promise<DrainResult> {
  const started = Date.now();
  const lastDue = new Map<number, bigint>();
  for (const r of o.due) if (r.offset >= (lastDue.get(r.partition) ?? -1n)) lastDue.set(r.partition, r.offset);
  let lastReport = started;
  for (;;) {
    const unsettled = o.due.filter((r) => r.eventId === undefined || !o.settled(r.eventId)).length;
    let behind = Infinity;
    if (unsettled === 0) {
      const offsets = await o.offsets().catch(() => undefined);
      if (offsets) {
        const committed = new Map(offsets.map((p) => [p.partition, p.committed]));
        behind = [...lastDue].filter(([partition, offset]) => (committed.get(partition) ?? -1n) <= offset).length;
      }
    }
    const waitedMs = Date.now() - started;
    if (unsettled === 0 && behind === 0) return { drained: true, waitedMs, unsettled };
    if (waitedMs >= o.timeoutMs) return { drained: false, waitedMs, unsettled };
    if (Date.now() - lastReport >= 5_000) {
      lastReport = Date.now();
      o.log(
        `drain: ${unsettled} of ${o.due.length} due events not settled yet${unsettled === 0 ? `, ${behind === Infinity ? '?' : behind} partition(s) not committed past their last due record` : ''} (${(waitedMs / 1000).toFixed(0)} s)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, o.everyMs ?? 1_000));
  }
}
