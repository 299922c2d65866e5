import type { AbortedDelivery, ChaosHistory, HistoryVerdict, LostEvent, StuckPartition, UnexpectedDeadLetter } from './history.js';

interface Due {
  readonly eventId: string;
  readonly invalid: boolean;
  readonly partition: number | undefined;
  readonly offset: bigint | undefined;
}

const at = (partition: number, offset: bigint): string => `${partition}:${offset}`;

/**
 * The history checker: from what was produced, what the SMTP server accepted, what reached the DLQ
 * and where the group committed, it finds lost events, duplicates, unjustified dead letters, records
 * of aborted transactions that were delivered, and stuck partitions. Pure: a chaos run and the unit
 * tests feed it the same shapes.
 *
 * What is due: every record the read_committed read-back found in the log, and every record the broker
 * acknowledged (plain) or committed (transaction) even if the read-back missed it (reported as an
 * anomaly, and still due). Uncertain produces are due only if found in the log.
 */
export function checkHistory(h: ChaosHistory): HistoryVerdict {
  const anomalies: string[] = [];
  const produced = new Map(h.produced.map((p) => [p.eventId, p]));
  const logById = new Map<string, { partition: number; offset: bigint }>();
  const logByPosition = new Map<string, string | undefined>();
  for (const r of h.log) {
    logByPosition.set(at(r.partition, r.offset), r.eventId);
    if (r.eventId === undefined) {
      anomalies.push(`log record ${at(r.partition, r.offset)} has no eventId`);
      continue;
    }
    if (logById.has(r.eventId)) anomalies.push(`eventId ${r.eventId} is in the log twice (${at(r.partition, r.offset)})`);
    else logById.set(r.eventId, { partition: r.partition, offset: r.offset });
    if (!produced.has(r.eventId)) anomalies.push(`log record ${at(r.partition, r.offset)} (${r.eventId}) was not produced by this run`);
  }

  const due = new Map<string, Due>();
  const aborted = new Set<string>();
  let uncertainWritten = 0;
  let uncertainAbsent = 0;
  let notWritten = 0;
  for (const p of h.produced) {
    const inLog = logById.get(p.eventId);
    if (inLog && p.partition !== undefined && p.offset !== undefined && (inLog.partition !== p.partition || inLog.offset !== p.offset)) {
      anomalies.push(`${p.eventId} acknowledged at ${at(p.partition, p.offset ?? -1n)} but read back at ${at(inLog.partition, inLog.offset)}`);
    }
    const where = inLog ?? { partition: p.partition, offset: p.offset };
    switch (p.status) {
      case 'acked':
      case 'committed': {
        const occupant = !inLog && p.partition !== undefined && p.offset !== undefined ? logByPosition.get(at(p.partition, p.offset)) : undefined;
        if (occupant !== undefined) {
          // An idempotent producer that rewound its sequence after a failed (yet persisted) produce
          // gets its next batch answered as a duplicate of that one: acknowledged, never written.
          anomalies.push(
            `${p.eventId} was ${p.status} at ${at(p.partition ?? -1, p.offset ?? -1n)}, where the log holds ${occupant}: the acknowledgement answered another produce; never written, not due`,
          );
          notWritten += 1;
          break;
        }
        if (!inLog) anomalies.push(`${p.eventId} was ${p.status} by the broker but not read back from the log`);
        due.set(p.eventId, { eventId: p.eventId, invalid: p.invalid, ...where });
        break;
      }
      case 'aborted':
        if (inLog) {
          anomalies.push(`${p.eventId} belongs to an aborted transaction but was read back with read_committed`);
          due.set(p.eventId, { eventId: p.eventId, invalid: p.invalid, ...where });
        } else aborted.add(p.eventId);
        break;
      case 'uncertain':
        if (inLog) {
          uncertainWritten += 1;
          due.set(p.eventId, { eventId: p.eventId, invalid: p.invalid, ...where });
        } else uncertainAbsent += 1;
        break;
      default: {
        const never: never = p.status;
        throw new Error(`unknown produce status ${String(never)}`);
      }
    }
  }

  const acceptances = new Map<string, number>();
  const suffix = `@${h.messageIdDomain}>`;
  for (const messageId of h.acceptedMessageIds) {
    const eventId = messageId?.startsWith('<') && messageId.endsWith(suffix) ? messageId.slice(1, -suffix.length) : undefined;
    if (eventId === undefined || eventId.length === 0) {
      anomalies.push(`accepted a mail with Message-ID ${String(messageId)}, not <eventId${suffix}`);
      continue;
    }
    acceptances.set(eventId, (acceptances.get(eventId) ?? 0) + 1);
  }

  const deadLetters = new Map<string, number>();
  const unexpectedDlq: UnexpectedDeadLetter[] = [];
  for (const d of h.dlq) {
    const fromProvenance = d.partition !== undefined && d.offset !== undefined ? logByPosition.get(at(d.partition, d.offset)) : undefined;
    if (fromProvenance !== undefined && d.eventId !== undefined && fromProvenance !== d.eventId) {
      anomalies.push(`DLQ record for ${at(d.partition ?? -1, d.offset ?? -1n)} carries ${d.eventId}, the log has ${fromProvenance} there`);
    }
    const eventId = fromProvenance ?? d.eventId;
    if (eventId === undefined) {
      anomalies.push(`DLQ record (${d.reason}) with neither a known provenance nor an eventId`);
      unexpectedDlq.push(d);
      continue;
    }
    deadLetters.set(eventId, (deadLetters.get(eventId) ?? 0) + 1);
    const event = due.get(eventId);
    if (event === undefined) {
      if (!aborted.has(eventId)) anomalies.push(`DLQ record for ${eventId}, which is not due in this run`);
      continue;
    }
    if (!deadLetterJustified(event.invalid, d.reason, h.dlqReasonsAllowed)) unexpectedDlq.push({ ...d, eventId });
  }

  for (const [eventId] of acceptances) {
    if (!due.has(eventId) && !aborted.has(eventId)) anomalies.push(`accepted a mail for ${eventId}, which is not due in this run`);
    else if (due.get(eventId)?.invalid) anomalies.push(`accepted a mail for ${eventId}, an invalid event`);
  }

  const committed = new Map(h.partitions.map((p) => [p.partition, p.committed]));
  const lost: LostEvent[] = [];
  let delivered = 0;
  let deadLettered = 0;
  for (const event of due.values()) {
    const accepted = acceptances.get(event.eventId) ?? 0;
    const dlq = deadLetters.get(event.eventId) ?? 0;
    if (accepted > 0) delivered += 1;
    if (dlq > 0) deadLettered += 1;
    if (accepted > 0 || dlq > 0) continue;
    const mark = event.partition === undefined ? undefined : committed.get(event.partition);
    const committedPast = mark !== undefined && event.offset !== undefined && mark > event.offset;
    lost.push({ eventId: event.eventId, partition: event.partition, offset: event.offset, committedPast });
  }

  const deliveredAborted: AbortedDelivery[] = [];
  for (const eventId of aborted) {
    if (acceptances.has(eventId)) deliveredAborted.push({ eventId, how: 'accepted' });
    if (deadLetters.has(eventId)) deliveredAborted.push({ eventId, how: 'dead-lettered' });
  }

  let events = 0;
  let extraCopies = 0;
  let deadLetteredTwice = 0;
  let dlqExtraCopies = 0;
  let deliveredAndDeadLettered = 0;
  const copies: Array<{ eventId: string; copies: number }> = [];
  for (const eventId of due.keys()) {
    const accepted = acceptances.get(eventId) ?? 0;
    const dlq = deadLetters.get(eventId) ?? 0;
    if (accepted > 1) {
      events += 1;
      extraCopies += accepted - 1;
    }
    if (dlq > 1) {
      deadLetteredTwice += 1;
      dlqExtraCopies += dlq - 1;
    }
    if (accepted > 0 && dlq > 0) deliveredAndDeadLettered += 1;
    if (accepted + dlq > 1) copies.push({ eventId, copies: accepted + dlq });
  }
  copies.sort((a, b) => b.copies - a.copies || a.eventId.localeCompare(b.eventId));

  const stuck: StuckPartition[] = [];
  let finalLag = 0n;
  for (const p of [...h.partitions].sort((a, b) => a.partition - b.partition)) {
    const from = p.committed ?? 0n;
    if (from >= p.end) continue;
    finalLag += p.end - from;
    let pending = 0;
    for (const event of due.values()) if (event.partition === p.partition && event.offset !== undefined && event.offset >= from) pending += 1;
    stuck.push({ partition: p.partition, committed: p.committed, end: p.end, pending });
  }

  return {
    counts: {
      produced: h.produced.length,
      due: due.size,
      dueInvalid: [...due.values()].filter((e) => e.invalid).length,
      aborted: aborted.size,
      uncertainWritten,
      uncertainAbsent,
      notWritten,
      acceptances: h.acceptedMessageIds.length,
      delivered,
      dlqRecords: h.dlq.length,
      deadLettered,
    },
    lost,
    duplicates: {
      events,
      extraCopies,
      deadLetteredTwice,
      dlqExtraCopies,
      deliveredAndDeadLettered,
      totalExtra: extraCopies + dlqExtraCopies + deliveredAndDeadLettered,
      worst: copies.slice(0, 10),
    },
    unexpectedDlq,
    deliveredAborted,
    stuck,
    finalLag,
    anomalies,
  };
}

/** An invalid event belongs on the DLQ as `invalid_event`; a valid one only for a reason the run's faults justify. */
function deadLetterJustified(invalid: boolean, reason: string, allowed: ChaosHistory['dlqReasonsAllowed']): boolean {
  if (invalid) return reason === 'invalid_event';
  if (reason === 'smtp_permanent') return allowed.smtpPermanent;
  if (reason === 'retries_exhausted') return allowed.retriesExhausted;
  return false;
}
