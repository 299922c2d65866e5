import { describe, expect, it } from 'vitest';

import { type ShutdownParts, shutdownPlan } from '../../../src/composition/shutdown-plan.js';
import { createLogger } from '../../../src/platform/logger.js';
import { runShutdownSteps } from '../../../src/platform/shutdown-steps.js';

/** Parts that record what was called, in order. */
function recordingParts(calls: string[], drained: Promise<void> = Promise.resolve()): ShutdownParts {
  const call = (name: string, result?: unknown) => () => {
    calls.push(name);
    return result;
  };
  return {
    smtpVerifier: { stop: call('verifier.stop') },
    intake: { abort: call('intake.abort') } as unknown as AbortController,
    lifecycle: { stop: call('lifecycle.stop'), close: call('lifecycle.close') },
    capacity: { held: 3, whenEmpty: () => (calls.push('capacity.whenEmpty'), drained) },
    dispatcher: { close: call('dispatcher.close') },
    committer: { stop: call('committer.stop'), finalCommit: async () => void calls.push('committer.finalCommit') },
    consumer: { disconnect: async () => void calls.push('consumer.disconnect') },
    producer: { disconnect: async () => void calls.push('producer.disconnect') },
    mailer: { close: call('mailer.close') },
    ledger: { close: async () => void calls.push('ledger.close') },
    closeRate: call('closeRate'),
    highWatermarks: { close: async () => void calls.push('highWatermarks.close') },
    breaker: { stop: call('breaker.stop') },
    tracing: { shutdown: async () => void calls.push('tracing.shutdown') },
    stopGauges: call('stopGauges'),
    closeHttp: call('closeHttp'),
    logger: createLogger({ level: 'silent' }),
  };
}

describe('shutdownPlan', () => {
  it('stops taking, drains, abandons, commits, leaves the group, then closes the clients, in that order', async () => {
    const calls: string[] = [];
    await runShutdownSteps(shutdownPlan(recordingParts(calls), { drain: true, remaining: () => 1_000 }), createLogger({ level: 'silent' }));
    expect(calls).toEqual([
      'verifier.stop',
      'intake.abort',
      'lifecycle.stop',
      'capacity.whenEmpty',
      'dispatcher.close',
      'committer.stop',
      'committer.finalCommit',
      'consumer.disconnect',
      'lifecycle.close',
      'producer.disconnect',
      'highWatermarks.close',
      'mailer.close',
      'ledger.close',
      'closeRate',
      'tracing.shutdown',
      'breaker.stop',
      'stopGauges',
      'closeHttp',
    ]);
  });

  it('does not drain after a fatal error (exit code ≠ 0), but still commits what settled', async () => {
    const calls: string[] = [];
    await runShutdownSteps(shutdownPlan(recordingParts(calls), { drain: false, remaining: () => 1_000 }), createLogger({ level: 'silent' }));
    expect(calls).not.toContain('capacity.whenEmpty');
    expect(calls).toContain('committer.finalCommit');
  });

  it('a drain that outlives the grace period gives up and the later steps still run', async () => {
    const calls: string[] = [];
    const parts = {
      ...recordingParts(calls),
      capacity: {
        held: 3,
        whenEmpty: (signal?: AbortSignal) => new Promise<void>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
      },
    };
    await runShutdownSteps(shutdownPlan(parts, { drain: true, remaining: () => 20 }), createLogger({ level: 'silent' }));
    expect(calls.slice(-3)).toEqual(['breaker.stop', 'stopGauges', 'closeHttp']);
    expect(calls).toContain('committer.finalCommit');
  });
});
