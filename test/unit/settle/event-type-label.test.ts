import { describe, expect, it } from 'vitest';

import { createEventTypeLabel } from '../../../src/settle/event-type-label.js';

describe('createEventTypeLabel', () => {
  it('names the first types it sees, and every later new one "other", so the metric stays bounded', () => {
    const label = createEventTypeLabel(2);
    expect(['user.deleted', 'order.placed', 'user.deleted', 'cart.abandoned', 'order.placed'].map(label)).toEqual([
      'user.deleted',
      'order.placed',
      'user.deleted',
      'other',
      'order.placed',
    ]);
  });

  it('by default keeps 100 types by name', () => {
    const label = createEventTypeLabel();
    const types = Array.from({ length: 101 }, (_, i) => `t.${i}`);
    expect(types.map(label).filter((l) => l === 'other')).toEqual(['other']);
  });
});
