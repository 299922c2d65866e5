import { describe, expect, it } from 'vitest';

import { type SmtpSink, startSmtpSink } from '../../../dev/smtp-sink.js';
import type { App } from '../../../src/app.js';
import { committedLag, createWorld, metricValue, produceEvents, serviceEnv, startApp, until, type World } from '../../support/app-harness.js';
import { scaled } from '../../support/fault-scale.js';
import { useOwnBroker } from '../../support/own-broker.js';

// These tests stop and start a broker, so they get their own instead of the shared one.
const kafka = useOwnBroker('broker-outage', 21_000);

const WORKERS = 5;
const BUFFER = 30;
const COMMIT_INTERVAL_MS = 1_000;

describe('broker outages', () => {
  it('when the broker stops and comes back mid-load › the service reconnects by itself, loses nothing and repeats at most what the broker took down uncommitted (the last commit interval and the outage) and what was in flight', async () => {
    const world: World = await createWorld(kafka.brokers);
    const sink: SmtpSink = await startSmtpSink({ store: false });
    const ids = Array.from({ length: scaled(600, 3_000) }, (_, i) => `bro-${i}`);
    await produceEvents(world, ids);
    await world.close();
    sink.setLatency(10);
    const app: App = await startApp(
      serviceEnv(world, sink.port, {
        EMAIL_WORKER_COUNT: String(WORKERS),
        EMAIL_WORKER_BUFFER: String(BUFFER),
        KAFKA_COMMIT_INTERVAL_MS: String(COMMIT_INTERVAL_MS),
      }),
    );
    // How many mails the server had accepted when: what was sent in the last commit interval before the
    // broker went may never have been committed.
    const counts: Array<[at: number, count: number]> = [];
    const sampler = setInterval(() => counts.push([Date.now(), sink.count]), 100);
    try {
      await until(() => sink.count >= 100, { what: '100 mails before the outage' });
      const stoppingAt = Date.now();
      await kafka.stop();
      const atStop = sink.count;
      const beforeLastCommit = [...counts].reverse().find(([at]) => at <= stoppingAt - COMMIT_INTERVAL_MS - 1_000)?.[1] ?? 0;
      const sentSinceLastCommit = atStop - beforeLastCommit;
      await new Promise((r) => setTimeout(r, scaled(5_000, 20_000)));
      await kafka.start();
      // Sent while the broker was away: settled, and not committable until it is back.
      const sentWhileDown = sink.count - atStop;
      await until(() => ids.every((id) => sink.seen(`<${id}@acme.test>`)), { what: 'every event delivered', timeoutMs: 180_000 });
      const check = await createWorld(kafka.brokers, { reuse: world });
      await until(async () => (await committedLag(check)) === 0, { what: 'committed lag 0', timeoutMs: 60_000 });
      await check.close();
      console.info(
        `broker restart: ${sink.duplicates} duplicate(s) of ${ids.length}; ${sentSinceLastCommit} sent in the last commit interval before the stop, ${sentWhileDown} while the broker was down`,
      );
      // The one fault that may go past the sends in flight, named: a commit lost with the broker. What
      // settled in the last commit interval before it went (plus a second of slack) and while it was
      // away was never committed, and the rejoin on its return starts the partitions again from their
      // committed offsets; nothing new is fetched while it is down. Beyond that, the sends in flight.
      expect(sink.duplicates).toBeLessThanOrEqual(sentSinceLastCommit + sentWhileDown + WORKERS);
    } finally {
      clearInterval(sampler);
      await app.stop();
      await sink.stop();
    }
  });

  it('when the broker is gone for good › the service turns unready and says so, does not restart itself into a loop, and still shuts down in time with exit 0', async () => {
    const world: World = await createWorld(kafka.brokers);
    const sink: SmtpSink = await startSmtpSink({ store: false });
    // A backlog the buffer keeps sending from after the broker is gone: settled offsets nobody can commit.
    await produceEvents(
      world,
      Array.from({ length: 400 }, (_, i) => `gone-${i}`),
    );
    await world.close();
    sink.setLatency(25);
    const app: App = await startApp(
      serviceEnv(world, sink.port, { KAFKA_HEARTBEAT_INTERVAL_MS: '1000', SHUTDOWN_TIMEOUT_MS: '5000', EMAIL_WORKER_COUNT: '2', EMAIL_WORKER_BUFFER: '100' }),
    );
    try {
      await sink.waitFor(20, { timeoutMs: 30_000 });
      await until(() => app.health.readiness().ok, { what: 'ready' });
      await kafka.stop();
      await until(() => !app.health.readiness().ok, { what: 'unready', timeoutMs: 40_000 });
      expect(await metricValue(app, 'email_dispatcher_ready')).toBe(0);
      expect(app.health.liveness().ok).toBe(true);
      // SIGTERM now (a node drain during the outage): the shutdown must fit cmd/service.ts's watchdog
      // (SHUTDOWN_TIMEOUT_MS + 10 s) and exit 0, not wait on a broker that does not answer.
      const stopping = Date.now();
      expect(await app.stop()).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(5_000 + 10_000);
    } finally {
      await app.stop();
      await sink.stop();
      await kafka.start();
    }
  });
});
