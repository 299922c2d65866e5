import { describe, expect, it } from 'vitest';

import { checkFeatures, checkRate, featureViolations, type ReceiptRecord } from '../../../test/chaos/check-features.js';

const receipt = (eventId: string | undefined, outcome = 'sent'): ReceiptRecord => ({
  eventId,
  outcome,
  messageId: eventId ? `<${eventId}@acme.test>` : null,
  relay: 'primary',
});

describe('checkFeatures', () => {
  it('every settled event with a receipt, every sent receipt accepted, none sent thrice › no violation', () => {
    const v = checkFeatures({ settled: ['a', 'b'], acceptances: new Map([['a', 2]]), receipts: [receipt('a'), receipt('a'), receipt('b', 'dead_lettered')] });
    expect(v.receipts).toEqual({ records: 3, settled: 2, missing: [], sentNotAccepted: [], duplicateNotAccepted: [], foreignMessageId: [] });
    expect(featureViolations(v)).toEqual([]);
  });

  it('a settled event without a receipt › named', () => {
    const v = checkFeatures({
      settled: ['a', 'b'],
      acceptances: new Map([
        ['a', 1],
        ['b', 1],
      ]),
      receipts: [receipt('a')],
    });
    expect(featureViolations(v)).toEqual(['receipts missing for 1 of 2 settled events: b']);
  });

  it('a receipt that says sent for an email no relay accepted › named', () => {
    const v = checkFeatures({ settled: ['a'], acceptances: new Map([['a', 1]]), receipts: [receipt('a'), receipt('z')] });
    expect(featureViolations(v)).toEqual(['receipts say sent for 1 events no relay accepted: z']);
  });

  it('a receipt that says skipped as already sent for an email no relay accepted › named (the ledger answered for another event)', () => {
    const v = checkFeatures({
      settled: ['a'],
      acceptances: new Map([['a', 1]]),
      receipts: [receipt('a'), receipt('a', 'skipped_duplicate'), { ...receipt('y', 'skipped_duplicate'), messageId: '<a@acme.test>' }],
    });
    expect(featureViolations(v)).toEqual([
      'receipts say skipped as already sent for 1 events no relay accepted: y',
      "receipts name another event's Message-ID for 1 events: y (<a@acme.test>)",
    ]);
  });

  it("a sent receipt with another event's Message-ID › named, even when both were accepted", () => {
    const v = checkFeatures({
      settled: ['a', 'b'],
      acceptances: new Map([
        ['a', 1],
        ['b', 1],
      ]),
      receipts: [receipt('a'), { ...receipt('b'), messageId: '<a@acme.test>' }],
    });
    expect(featureViolations(v)).toEqual(["receipts name another event's Message-ID for 1 events: b (<a@acme.test>)"]);
  });

  it('an event accepted three times › a violation whatever the duplicate bound', () => {
    const v = checkFeatures({ settled: ['a'], acceptances: new Map([['a', 3]]) });
    expect(v.receipts).toBeUndefined();
    expect(featureViolations(v)).toEqual(['1 events sent more than twice: a ×3']);
  });
});

describe('checkRate', () => {
  const steady = (perSecond: number, seconds: number, from = 0): number[] =>
    Array.from({ length: perSecond * seconds }, (_, i) => from + (i * 1_000) / perSecond);

  it('mails at the limit › within (W + 1) × limit + the sends in flight in every window', () => {
    const v = checkRate({ limitPerSecond: 20, acceptedAtMs: steady(20, 30), excluded: [], inFlight: 10 });
    expect(v.windows.map((w) => [w.seconds, w.busiest, w.allowed])).toEqual([
      [1, 20, 50],
      [5, 100, 130],
    ]);
    expect(featureViolations({ rate: v, sentMoreThanTwice: [] })).toEqual([]);
  });

  it('a sustained rate 50 % over the limit › the 5 s window names it', () => {
    const v = checkRate({ limitPerSecond: 20, acceptedAtMs: steady(30, 30), excluded: [], inFlight: 10 });
    expect(v.windows[0]?.busiest).toBeLessThanOrEqual(v.windows[0]?.allowed ?? 0);
    expect(featureViolations({ rate: v, sentMoreThanTwice: [] })).toEqual([
      expect.stringMatching(/^send rate: 15[01] mails accepted in 5 s from t\+[\d.]+s, above the 130 allowed while Redis answered$/),
    ]);
  });

  it('while Redis was down or slow (and a grace after) › not judged', () => {
    const burst = [...steady(20, 10), ...steady(200, 1, 12_000), ...steady(20, 10, 20_000)];
    const v = checkRate({ limitPerSecond: 20, acceptedAtMs: burst, excluded: [{ startMs: 11_000, endMs: 12_500 }], inFlight: 10 });
    expect(featureViolations({ rate: v, sentMoreThanTwice: [] })).toEqual([]);
    expect(v.judged).toBe(burst.length - 200);
    expect(featureViolations({ rate: checkRate({ limitPerSecond: 20, acceptedAtMs: burst, excluded: [], inFlight: 10 }), sentMoreThanTwice: [] })).toHaveLength(
      2,
    );
  });
});
