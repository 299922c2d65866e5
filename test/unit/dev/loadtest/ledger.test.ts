import { describe, expect, it } from 'vitest';

import { Ledger, reconcileExternal } from '../../../../dev/loadtest/ledger.js';

function ledgerOf(ids: string[], at = 1000): Ledger {
  const ledger = new Ledger();
  for (const id of ids) ledger.produced(id, at);
  return ledger;
}

describe('Ledger', () => {
  it('when every event is delivered or dead-lettered › lost is 0 and delivered + dead-lettered = produced', () => {
    const ledger = ledgerOf(['a', 'b', 'c']);
    ledger.delivered('a', 1100);
    ledger.deadLettered('b', 'smtp_permanent', 1200);
    ledger.delivered('c', 1300);
    const r = ledger.reconcile();
    expect(r).toMatchObject({ produced: 3, delivered: 2, deadLettered: 1, lost: 0, duplicates: 0, unknown: 0 });
    expect(r.delivered + r.deadLettered).toBe(r.produced);
    expect(ledger.settled).toBe(3);
  });

  it('when an event is neither delivered nor dead-lettered › it is lost and not settled', () => {
    const ledger = ledgerOf(['a', 'b']);
    ledger.delivered('a', 1100);
    expect(ledger.settled).toBe(1);
    expect(ledger.reconcile()).toMatchObject({ delivered: 1, deadLettered: 0, lost: 1 });
  });

  it('when an event is delivered twice › one delivery, one duplicate, settled once', () => {
    const ledger = ledgerOf(['a']);
    ledger.delivered('a', 1100);
    ledger.delivered('a', 1400);
    expect(ledger.settled).toBe(1);
    expect(ledger.reconcile()).toMatchObject({ delivered: 1, duplicates: 1, lost: 0 });
  });

  it('when a DLQ record is read twice › it counts once', () => {
    const ledger = ledgerOf(['a']);
    ledger.deadLettered('a', 'smtp_permanent', 1100);
    ledger.deadLettered('a', 'smtp_permanent', 1200);
    expect(ledger.settled).toBe(1);
    expect(ledger.reconcile()).toMatchObject({ deadLettered: 1, deadLetteredByReason: { smtp_permanent: 1 } });
  });

  it('when an event is both delivered and dead-lettered › it is delivered, flagged, and never counted twice', () => {
    const ledger = ledgerOf(['a', 'b']);
    ledger.deadLettered('a', 'retries_exhausted', 1100);
    ledger.delivered('a', 1200);
    ledger.delivered('b', 1300);
    expect(ledger.settled).toBe(2);
    const r = ledger.reconcile();
    expect(r).toMatchObject({ delivered: 2, deadLettered: 0, deliveredAndDeadLettered: 1, lost: 0 });
    expect(r.delivered + r.deadLettered).toBe(r.produced);
  });

  it('when a delivery or DLQ record is of an event this run did not produce › it is unknown, not delivered', () => {
    const ledger = ledgerOf(['a']);
    ledger.delivered('stranger', 1100);
    ledger.deadLettered('other', 'invalid_event', 1100);
    expect(ledger.reconcile()).toMatchObject({ delivered: 0, unknown: 2, lost: 1 });
  });

  it('counts DLQ records by reason', () => {
    const ledger = ledgerOf(['a', 'b', 'c']);
    ledger.deadLettered('a', 'smtp_permanent', 1);
    ledger.deadLettered('b', 'smtp_permanent', 1);
    ledger.deadLettered('c', 'retries_exhausted', 1);
    expect(ledger.reconcile().deadLetteredByReason).toEqual({ smtp_permanent: 2, retries_exhausted: 1 });
  });

  it('measures latency from produce to the first delivery only', () => {
    const ledger = new Ledger();
    ledger.produced('a', 0);
    ledger.produced('b', 0);
    ledger.produced('c', 50);
    ledger.delivered('a', 100);
    ledger.delivered('b', 300);
    ledger.delivered('b', 900);
    ledger.deadLettered('c', 'smtp_permanent', 70);
    expect(ledger.reconcile().latencyMs).toEqual({ count: 2, p50: 100, p95: 300, p99: 300, max: 300 });
  });

  it('records when each event settled, for throughput over time', () => {
    const ledger = ledgerOf(['a', 'b', 'c']);
    ledger.delivered('a', 2000);
    ledger.deadLettered('b', 'smtp_permanent', 2500);
    ledger.delivered('a', 2600);
    ledger.delivered('c', 3100);
    expect(ledger.settleTimes()).toEqual([2000, 2500, 3100]);
  });
});

describe('reconcileExternal (SMTP server not observable)', () => {
  it('without a delivered count › infers delivered = produced − dead-lettered and calls nothing lost', () => {
    const r = reconcileExternal({ produced: 100, deadLettered: 3, deadLetteredByReason: { smtp_permanent: 3 }, expectDelivered: undefined });
    expect(r).toMatchObject({ delivered: 97, deliveredInferred: true, lost: 0, duplicates: 0 });
  });

  it('with a delivered count below what was settled › the gap is lost', () => {
    expect(reconcileExternal({ produced: 100, deadLettered: 3, deadLetteredByReason: {}, expectDelivered: 90 })).toMatchObject({
      delivered: 90,
      deliveredInferred: false,
      lost: 7,
      duplicates: 0,
    });
  });

  it('with a delivered count above it › the excess is duplicates', () => {
    expect(reconcileExternal({ produced: 100, deadLettered: 0, deadLetteredByReason: {}, expectDelivered: 102 })).toMatchObject({ lost: 0, duplicates: 2 });
  });
});
