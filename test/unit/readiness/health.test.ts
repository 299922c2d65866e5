import { describe, expect, it } from 'vitest';

import { Health } from '../../../src/readiness/health.js';

const STALL_MS = 60_000;

/** A Health on a hand-driven clock, with switchable work and outage signals. */
function setup() {
  const world = { now: 1_000_000, hasWork: false, waiting: false };
  const health = new Health({ stallMs: STALL_MS, now: () => world.now, hasWork: () => world.hasWork, waitingOnDependency: () => world.waiting });
  const advance = (ms: number) => (world.now += ms);
  return { health, world, advance };
}

describe('Health', () => {
  describe('readiness', () => {
    it('at start › not ready', () => {
      expect(setup().health.readiness()).toEqual({
        ok: false,
        joined: false,
        smtpVerified: false,
        shuttingDown: false,
        blockedPartitions: 0,
        stalledPublishes: 0,
        commitBlocked: false,
      });
    });

    it('joined the group but SMTP not verified › not ready', () => {
      const { health } = setup();
      health.setJoined(true);
      expect(health.readiness().ok).toBe(false);
    });

    it('SMTP verified but not joined › not ready', () => {
      const { health } = setup();
      health.setSmtpVerified(true);
      expect(health.readiness().ok).toBe(false);
    });

    it('joined and SMTP verified › ready', () => {
      const { health } = setup();
      health.setJoined(true);
      health.setSmtpVerified(true);
      expect(health.readiness()).toEqual({
        ok: true,
        joined: true,
        smtpVerified: true,
        shuttingDown: false,
        blockedPartitions: 0,
        stalledPublishes: 0,
        commitBlocked: false,
      });
    });

    it('while a partition is paused behind an offset that does not settle › not ready', () => {
      const { health } = setup();
      health.setJoined(true);
      health.setSmtpVerified(true);
      health.setBlockedPartitions(1);
      expect(health.readiness()).toMatchObject({ ok: false, blockedPartitions: 1 });
      health.setBlockedPartitions(0);
      expect(health.readiness().ok).toBe(true);
    });

    it('while a DLQ or receipt publish is stalled › not ready', () => {
      const { health } = setup();
      health.setJoined(true);
      health.setSmtpVerified(true);
      health.setStalledPublishes(1);
      expect(health.readiness()).toMatchObject({ ok: false, stalledPublishes: 1 });
      health.setStalledPublishes(0);
      expect(health.readiness().ok).toBe(true);
    });

    it('while new sends are held for unconfirmed commits › not ready', () => {
      const { health } = setup();
      health.setJoined(true);
      health.setSmtpVerified(true);
      health.setCommitBlocked(true);
      expect(health.readiness()).toMatchObject({ ok: false, commitBlocked: true });
      health.setCommitBlocked(false);
      expect(health.readiness().ok).toBe(true);
    });

    it('after a rebalance takes the partitions away › not ready again', () => {
      const { health } = setup();
      health.setJoined(true);
      health.setSmtpVerified(true);
      health.setJoined(false);
      expect(health.readiness().ok).toBe(false);
    });

    it('after beginShutdown › not ready, for good', () => {
      const { health } = setup();
      health.setJoined(true);
      health.setSmtpVerified(true);
      health.beginShutdown();
      expect(health.readiness()).toMatchObject({ ok: false, shuttingDown: true });
      health.setJoined(true);
      expect(health.readiness().ok).toBe(false);
    });
  });

  describe('liveness', () => {
    it('when idle for a long time › healthy', () => {
      const { health, advance } = setup();
      advance(STALL_MS * 100);
      expect(health.liveness()).toEqual({ ok: true, hasWork: false, waitingOnDependency: false, msSinceProgress: 0 });
    });

    it('when idle for a long time without any check, then work arrives › healthy until a stall passes', () => {
      const { health, world, advance } = setup();
      health.liveness();
      advance(STALL_MS * 100);
      world.hasWork = true;
      expect(health.liveness().ok).toBe(true);
      advance(STALL_MS);
      expect(health.liveness().ok).toBe(true);
      advance(1);
      expect(health.liveness()).toMatchObject({ ok: false, msSinceProgress: STALL_MS + 1 });
    });

    it('when there is work and no progress for stallMs › still healthy', () => {
      const { health, world, advance } = setup();
      world.hasWork = true;
      advance(STALL_MS);
      expect(health.liveness()).toMatchObject({ ok: true, hasWork: true, msSinceProgress: STALL_MS });
    });

    it('when there is work and no progress for more than stallMs › fails', () => {
      const { health, world, advance } = setup();
      world.hasWork = true;
      health.liveness();
      advance(STALL_MS + 1);
      expect(health.liveness()).toEqual({ ok: false, hasWork: true, waitingOnDependency: false, msSinceProgress: STALL_MS + 1 });
    });

    it('when there is work and progress keeps coming › healthy however long it runs', () => {
      const { health, world, advance } = setup();
      world.hasWork = true;
      for (let i = 0; i < 10; i += 1) {
        advance(STALL_MS - 1);
        health.progress();
        expect(health.liveness().ok).toBe(true);
      }
    });

    it('after a stall, progress makes it healthy again', () => {
      const { health, world, advance } = setup();
      world.hasWork = true;
      health.liveness();
      advance(STALL_MS + 1);
      expect(health.liveness().ok).toBe(false);
      health.progress();
      expect(health.liveness()).toMatchObject({ ok: true, msSinceProgress: 0 });
    });

    it('when waiting on a dependency (SMTP circuit open) › healthy however long it lasts', () => {
      const { health, world, advance } = setup();
      world.hasWork = true;
      world.waiting = true;
      advance(STALL_MS * 10);
      expect(health.liveness()).toEqual({ ok: true, hasWork: true, waitingOnDependency: true, msSinceProgress: 0 });
    });

    it('when the outage ends › the stall clock starts then, not at the last progress', () => {
      const { health, world, advance } = setup();
      world.hasWork = true;
      world.waiting = true;
      advance(STALL_MS * 10);
      health.liveness();
      advance(STALL_MS * 10);
      world.waiting = false;
      expect(health.liveness().ok).toBe(true);
      advance(STALL_MS + 1);
      expect(health.liveness().ok).toBe(false);
    });
  });

  it('progress() records the time of the last progress', () => {
    const { health, advance, world } = setup();
    advance(1234);
    health.progress();
    expect(health.lastProgressMs).toBe(world.now);
  });
});
