import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { CircuitBreaker, type CircuitState } from '../../../../src/smtp/relays/circuit-breaker.js';

const PROBE_MS = 5_000;

/** A breaker whose probe fails until `serverUp()` is called. */
function setup({ threshold = 3 } = {}) {
  let up = false;
  const probe = vi.fn(async () => {
    if (!up) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  });
  const changes: CircuitState[] = [];
  const breaker = new CircuitBreaker({ threshold, probeIntervalMs: PROBE_MS, probe, onChange: (state) => changes.push(state) });
  const open = () => {
    for (let i = 0; i < threshold; i += 1) breaker.recordServerFailure('ECONNREFUSED');
  };
  return { breaker, probe, changes, open, serverUp: () => (up = true) };
}

describe('CircuitBreaker', () => {
  let breaker: CircuitBreaker | undefined;
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    breaker?.stop();
    vi.useRealTimers();
  });

  describe('counting server failures', () => {
    it('starts closed', () => {
      ({ breaker } = setup());
      expect(breaker.state).toBe('closed');
    });

    it('below the threshold › stays closed', () => {
      const s = setup({ threshold: 3 });
      breaker = s.breaker;
      expect(breaker.recordServerFailure('timeout')).toBe(false);
      expect(breaker.recordServerFailure('timeout')).toBe(false);
      expect(breaker.state).toBe('closed');
      expect(s.changes).toEqual([]);
    });

    it('at the threshold of consecutive failures › opens and says so once', () => {
      const s = setup({ threshold: 3 });
      breaker = s.breaker;
      breaker.recordServerFailure('timeout');
      breaker.recordServerFailure('timeout');
      expect(breaker.recordServerFailure('timeout')).toBe(true);
      expect(breaker.state).toBe('open');
      expect(breaker.recordServerFailure('timeout')).toBe(true);
      expect(s.changes).toEqual(['open']);
    });

    it('a success in between resets the count', () => {
      const s = setup({ threshold: 3 });
      breaker = s.breaker;
      breaker.recordServerFailure('timeout');
      breaker.recordServerFailure('timeout');
      breaker.recordSuccess();
      breaker.recordServerFailure('timeout');
      expect(breaker.recordServerFailure('timeout')).toBe(false);
      expect(breaker.state).toBe('closed');
    });

    it('with a threshold of 1 › the first failure opens it', () => {
      const s = setup({ threshold: 1 });
      breaker = s.breaker;
      expect(breaker.recordServerFailure('421')).toBe(true);
    });
  });

  describe('while open', () => {
    it('probes every probeIntervalMs while the probe fails', async () => {
      const s = setup();
      breaker = s.breaker;
      s.open();
      await vi.advanceTimersByTimeAsync(PROBE_MS - 1);
      expect(s.probe).toHaveBeenCalledTimes(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(s.probe).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(PROBE_MS);
      expect(s.probe).toHaveBeenCalledTimes(2);
      await vi.advanceTimersByTimeAsync(PROBE_MS * 3);
      expect(s.probe).toHaveBeenCalledTimes(5);
      expect(breaker.state).toBe('open');
    });

    it('more failures do not add probes', async () => {
      const s = setup();
      breaker = s.breaker;
      s.open();
      for (let i = 0; i < 10; i += 1) breaker.recordServerFailure('timeout');
      await vi.advanceTimersByTimeAsync(PROBE_MS);
      expect(s.probe).toHaveBeenCalledTimes(1);
    });

    it('when a probe succeeds › closes, reports it and stops probing', async () => {
      const s = setup();
      breaker = s.breaker;
      s.open();
      await vi.advanceTimersByTimeAsync(PROBE_MS);
      s.serverUp();
      await vi.advanceTimersByTimeAsync(PROBE_MS);
      expect(breaker.state).toBe('closed');
      expect(s.changes).toEqual(['open', 'closed']);
      await vi.advanceTimersByTimeAsync(PROBE_MS * 5);
      expect(s.probe).toHaveBeenCalledTimes(2);
    });

    it('when a send succeeds › closes without waiting for a probe', async () => {
      const s = setup();
      breaker = s.breaker;
      s.open();
      breaker.recordSuccess();
      expect(breaker.state).toBe('closed');
      expect(s.changes).toEqual(['open', 'closed']);
      await vi.advanceTimersByTimeAsync(PROBE_MS * 3);
      expect(s.probe).not.toHaveBeenCalled();
    });

    it('when the probe throws instead of rejecting › keeps probing', async () => {
      const probe = vi.fn((): Promise<unknown> => {
        throw new Error('not connected');
      });
      breaker = new CircuitBreaker({ threshold: 1, probeIntervalMs: PROBE_MS, probe });
      breaker.recordServerFailure('timeout');
      await vi.advanceTimersByTimeAsync(PROBE_MS * 2);
      expect(probe).toHaveBeenCalledTimes(2);
      expect(breaker.state).toBe('open');
    });
  });

  describe('after closing', () => {
    it('needs a full threshold of new failures to open again', async () => {
      const s = setup({ threshold: 2 });
      breaker = s.breaker;
      s.open();
      s.serverUp();
      await vi.advanceTimersByTimeAsync(PROBE_MS);
      expect(breaker.state).toBe('closed');
      expect(breaker.recordServerFailure('timeout')).toBe(false);
      expect(breaker.recordServerFailure('timeout')).toBe(true);
      expect(s.changes).toEqual(['open', 'closed', 'open']);
    });

    it('probes again when it reopens', async () => {
      const s = setup({ threshold: 1 });
      breaker = s.breaker;
      s.open();
      breaker.recordSuccess();
      s.open();
      await vi.advanceTimersByTimeAsync(PROBE_MS);
      expect(s.probe).toHaveBeenCalledTimes(1);
    });
  });

  describe('whenClosed', () => {
    it('when closed › resolves at once', async () => {
      ({ breaker } = setup());
      await expect(breaker.whenClosed()).resolves.toBeUndefined();
    });

    it('when open › resolves once a probe succeeds, not before', async () => {
      const s = setup();
      breaker = s.breaker;
      s.open();
      let closed = false;
      void breaker.whenClosed().then(() => (closed = true));
      await vi.advanceTimersByTimeAsync(PROBE_MS * 2);
      expect(closed).toBe(false);
      s.serverUp();
      await vi.advanceTimersByTimeAsync(PROBE_MS);
      expect(closed).toBe(true);
    });

    it('resolves every waiter', async () => {
      const s = setup();
      breaker = s.breaker;
      s.open();
      const waits = [breaker.whenClosed(), breaker.whenClosed(), breaker.whenClosed()];
      breaker.recordSuccess();
      await expect(Promise.all(waits)).resolves.toHaveLength(3);
    });

    it('when aborted › rejects with the signal reason', async () => {
      const s = setup();
      breaker = s.breaker;
      s.open();
      const controller = new AbortController();
      const wait = breaker.whenClosed(controller.signal);
      controller.abort(new Error('shutting down'));
      await expect(wait).rejects.toThrow('shutting down');
    });

    it('when the signal is already aborted and the circuit open › rejects', async () => {
      const s = setup();
      breaker = s.breaker;
      s.open();
      await expect(breaker.whenClosed(AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    });
  });

  describe('stop', () => {
    it('cancels probing', async () => {
      const s = setup();
      breaker = s.breaker;
      s.open();
      await vi.advanceTimersByTimeAsync(PROBE_MS);
      expect(s.probe).toHaveBeenCalledTimes(1);
      breaker.stop();
      await vi.advanceTimersByTimeAsync(PROBE_MS * 10);
      expect(s.probe).toHaveBeenCalledTimes(1);
    });

    it('before the circuit opens › no probe is ever scheduled', async () => {
      const s = setup();
      breaker = s.breaker;
      breaker.stop();
      s.open();
      await vi.advanceTimersByTimeAsync(PROBE_MS * 10);
      expect(s.probe).not.toHaveBeenCalled();
      expect(vi.getTimerCount()).toBe(0);
    });

    it('is idempotent', () => {
      ({ breaker } = setup());
      breaker.stop();
      expect(() => breaker?.stop()).not.toThrow();
    });
  });

  describe('when the listener throws (KafkaJS pause() while its consumer group restarts)', () => {
    it('opening › still schedules the probe and closes when the server answers', async () => {
      let up = false;
      const probe = vi.fn(async () => {
        if (!up) throw new Error('down');
      });
      breaker = new CircuitBreaker({
        threshold: 1,
        probeIntervalMs: PROBE_MS,
        probe,
        onChange: () => {
          throw new Error('Consumer group was not initialized, consumer#run must be called first');
        },
      });
      expect(() => breaker?.recordServerFailure('ECONNREFUSED')).not.toThrow();
      expect(breaker.state).toBe('open');
      up = true;
      await vi.advanceTimersByTimeAsync(PROBE_MS);
      expect(probe).toHaveBeenCalledTimes(1);
      expect(breaker.state).toBe('closed');
    });

    it('closing on a successful send › does not throw into the sender', () => {
      let fail = false;
      breaker = new CircuitBreaker({
        threshold: 1,
        probeIntervalMs: PROBE_MS,
        probe: async () => {},
        onChange: () => {
          if (fail) throw new Error('Consumer group was not initialized');
        },
      });
      breaker.recordServerFailure('timeout');
      fail = true;
      expect(() => breaker?.recordSuccess()).not.toThrow();
      expect(breaker.state).toBe('closed');
    });
  });

  describe('a probe refused in a way waiting cannot fix', () => {
    function refusing() {
      let answer: 'refused' | 'down' | 'up' = 'refused';
      const refused: string[] = [];
      const b = new CircuitBreaker({
        threshold: 1,
        probeIntervalMs: PROBE_MS,
        probe: async () => {
          if (answer === 'refused') throw Object.assign(new Error('535 5.7.8 Authentication credentials invalid'), { code: 'EAUTH', responseCode: 535 });
          if (answer === 'down') throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        },
        refusal: (err) => ((err as { code?: string }).code === 'EAUTH' ? 'login refused' : undefined),
        onRefused: (reason) => refused.push(reason),
      });
      return { breaker: b, refused, answer: (a: typeof answer) => (answer = a) };
    }

    it('when a probe is refused › says so once, with the reason, and stays open', async () => {
      const s = refusing();
      breaker = s.breaker;
      breaker.recordServerFailure('ECONNREFUSED');
      await vi.advanceTimersByTimeAsync(PROBE_MS * 3);
      expect(s.refused).toEqual(['login refused']);
      expect(breaker.state).toBe('open');
      expect(breaker.refused).toBe('login refused');
    });

    it('when a refused probe is followed by a transient failure › is no longer refused; a new refusal says so again', async () => {
      const s = refusing();
      breaker = s.breaker;
      breaker.recordServerFailure('ECONNREFUSED');
      await vi.advanceTimersByTimeAsync(PROBE_MS);
      s.answer('down');
      await vi.advanceTimersByTimeAsync(PROBE_MS);
      expect(breaker.refused).toBeUndefined();
      s.answer('refused');
      await vi.advanceTimersByTimeAsync(PROBE_MS);
      expect(s.refused).toEqual(['login refused', 'login refused']);
    });

    it('trip › opens at once, below the threshold, refused for the reason given; a probe that logs in closes it', async () => {
      const s = refusing();
      breaker = s.breaker;
      const changes: CircuitState[] = [];
      const b = new CircuitBreaker({ threshold: 5, probeIntervalMs: PROBE_MS, probe: async () => {}, onChange: (state) => changes.push(state) });
      b.trip('535 from the relay');
      expect({ state: b.state, refused: b.refused, changes }).toEqual({ state: 'open', refused: '535 from the relay', changes: ['open'] });
      expect(b.openSince).toEqual(expect.any(Number));
      await vi.advanceTimersByTimeAsync(PROBE_MS);
      expect({ state: b.state, refused: b.refused, openSince: b.openSince, changes }).toEqual({
        state: 'closed',
        refused: undefined,
        openSince: undefined,
        changes: ['open', 'closed'],
      });
      b.stop();
    });
  });
});
