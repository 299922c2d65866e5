import { describe, expect, it } from 'vitest';

import { InFlightReceipts } from '../../../../bench/group/in-flight-watch.js';

describe('InFlightReceipts', () => {
  it('notes when each event a kill left in flight next arrived, ignoring copies before the watch began', () => {
    const receipts = new InFlightReceipts();
    receipts.add('<a@acme.test>', 900);
    const w = receipts.watch(['a', 'b'], 1_000);
    receipts.add('<a@acme.test>', 999);
    expect(receipts.settled(w)).toEqual({ arrived: 0, of: 2, firstAt: undefined, lastAt: undefined });
    receipts.add('<b@acme.test>', 4_000);
    receipts.add('<a@acme.test>', 5_000);
    receipts.add('<a@acme.test>', 9_000);
    expect(receipts.settled(w)).toEqual({ arrived: 2, of: 2, firstAt: 4_000, lastAt: 5_000 });
    // Still counts every receipt as the plain Receipts do.
    expect(receipts.total).toBe(5);
    expect(receipts.duplicates).toBe(3);
  });

  it('a kill with nothing in flight › settled at once', () => {
    const receipts = new InFlightReceipts();
    expect(receipts.settled(receipts.watch([], 0))).toEqual({ arrived: 0, of: 0, firstAt: undefined, lastAt: undefined });
  });
});
