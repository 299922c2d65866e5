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

  describe('when given nonsense', () => {
    it('throws RangeError naming what was expected', () => {
      const plan = createFailurePlan();
      expect(() => plan.failNext(1, 250)).toThrow('Expected an SMTP failure code 400..599, got 250');
      expect(() => plan.setFailureRate({ transient: 0.6, permanent: 0.6 })).toThrow(RangeError);
    });
  });

  it('clear() forgets scripted failures and rates', () => {
    const plan = createFailurePlan({ random: () => 0 });
    plan.failNext(3, 451);
    plan.setFailureRate({ transient: 1 });
    plan.clear();
    expect(plan.take()).toBeUndefined();
  });
});
