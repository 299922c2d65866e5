import { describe, expect, it } from 'vitest';

import { javaStringHash } from '../../../test/chaos/chaos-broker.js';

describe('javaStringHash (how Kafka places a group on __consumer_offsets)', () => {
  it('is Java’s String.hashCode, overflow included', () => {
    expect(javaStringHash('')).toBe(0);
    expect(javaStringHash('hello')).toBe(99_162_322);
    // A famous string whose hashCode is Integer.MIN_VALUE: Kafka's Utils.abs (& 0x7fffffff) makes it 0.
    expect(javaStringHash('polygenelubricants')).toBe(-2_147_483_648);
    expect((javaStringHash('polygenelubricants') & 0x7f_ff_ff_ff) % 50).toBe(0);
  });
});
