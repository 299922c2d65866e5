import { describe, expect, it } from 'vitest';

import { createFailurePlan, defaultReply } from '../../../../dev/smtp-sink/failure-plan.js';

describe('failure plan', () => {
  describe('when failures are scripted', () => {
    it('hands them out in order before any random failure, then nothing', () => {
      const plan = createFailurePlan({ random: () => 0 });
      plan.failNext(1, 451);
      plan.failNext(1, 550, 'custom', { at: 'data' });
      expect(plan.take()).toEqual({ code: 451, message: defaultReply(451), at: 'rcpt' });
      expect(plan.take()).toEqual({ code: 550, message: 'custom', at: 'data' });
      expect(plan.take()).toBeUndefined();
    });
  });

  describe('when rates are set', () => {
    it('maps the draw to permanent, then transient, then success', () => {
      const draws = [0.05, 0.2, 0.9];
      const plan = createFailurePlan({ random: () => draws.shift() ?? 1 });
      plan.setFailureRate({ permanent: 0.1, transient: 0.3 });
      expect(plan.take()?.code).toBe(550);
      expect(plan.take()?.code).toBe(451);
      expect(plan.take()).toBeUndefined();
    });
  });

  describe('when recipient failures are set', () => {
    const addresses = Array.from({ length: 1_000 }, (_, i) => `lt-run-${i}@load.test`);

    it('picks a stable share of recipients by address, case aside, before any transaction fate', () => {
      const plan = createFailurePlan({ random: () => 0 });
      plan.setRecipientFailures({ share: 0.1, code: 550 });
      const picked = addresses.filter((a) => plan.takeRecipient(a) !== undefined);
      expect(picked.length).toBeGreaterThan(60);
      expect(picked.length).toBeLessThan(140);
      expect(addresses.filter((a) => plan.takeRecipient(a.toUpperCase()) !== undefined)).toEqual(picked);
      expect(plan.takeRecipient(picked[0] as string)).toEqual({ code: 550, message: defaultReply(550), at: 'rcpt' });
      expect(plan.take()).toBeUndefined();
    });

    it('with firstAttemptOnly, refuses each picked recipient once with 451', () => {
      const plan = createFailurePlan();
      plan.setRecipientFailures({ share: 1, firstAttemptOnly: true });
      expect(plan.takeRecipient('a@example.test')).toEqual({ code: 451, message: defaultReply(451), at: 'rcpt' });
      expect(plan.takeRecipient('A@example.test')).toBeUndefined();
      expect(plan.takeRecipient('b@example.test')?.code).toBe(451);
    });

    it('share 0 refuses nobody', () => {
      const plan = createFailurePlan();
      plan.setRecipientFailures({ share: 0 });
      expect(addresses.some((a) => plan.takeRecipient(a) !== undefined)).toBe(false);
    });
  });

  describe('when given nonsense', () => {
    it('throws RangeError naming what was expected', () => {
      const plan = createFailurePlan();
      expect(() => plan.failNext(1, 250)).toThrow('Expected an SMTP failure code 400..599, got 250');
      expect(() => plan.setFailureRate({ transient: 0.6, permanent: 0.6 })).toThrow(RangeError);
      expect(() => plan.setRecipientFailures({ share: -0.1 })).toThrow('Expected a share in 0..1, got -0.1');
      expect(() => plan.setRecipientFailures({ share: 0.1, code: 250 })).toThrow('Expected an SMTP failure code 400..599, got 250');
    });
  });

  it('clear() forgets scripted failures, rates and recipient failures', () => {
    const plan = createFailurePlan({ random: () => 0 });
    plan.failNext(3, 451);
    plan.setFailureRate({ transient: 1 });
    plan.setRecipientFailures({ share: 1 });
    plan.clear();
    expect(plan.take()).toBeUndefined();
    expect(plan.takeRecipient('a@example.test')).toBeUndefined();
  });
});
