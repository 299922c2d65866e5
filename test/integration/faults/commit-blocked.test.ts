import { describe, expect, it } from 'vitest';

import { type SmtpSink, startSmtpSink } from '../../../dev/smtp-sink.js';
import type { App } from '../../../src/app.js';
import { committedLag, createWorld, metricValue, produceEvents, serviceEnv, startApp, until, type World } from '../../support/app-harness.js';
import { useOwnBroker } from '../../support/own-broker.js';

// This test stops and starts a broker, so it gets its own instead of the shared one.
const kafka = useOwnBroker('commit-blocked', 26_000);

const WORKERS = 2;
const BUFFER = 200;
const MAX_UNCOMMITTED = 20;

describe('commits the broker does not confirm', () => {
  it('when the broker goes away with a full buffer › sends stop at KAFKA_MAX_UNCOMMITTED uncommitted (unready, /livez green), and resume once commits are confirmed, losing nothing', async () => {
    const world: World = await createWorld(kafka.brokers);
    const sink: SmtpSink = await startSmtpSink({ store: false });
    const ids = Array.from({ length: 1_000 }, (_, i) => `cb-${i}`);
    await produceEvents(world, ids);
    await world.close();
    sink.setLatency(20);
    const app: App = await startApp(
      serviceEnv(world, sink.port, {
        EMAIL_WORKER_COUNT: String(WORKERS),
        EMAIL_WORKER_BUFFER: String(BUFFER),
        KAFKA_MAX_UNCOMMITTED: String(MAX_UNCOMMITTED),
      }),
    );
    try {
      await until(() => sink.count >= 50 && app.health.readiness().ok, { what: '50 mails, ready' });
      const atStop = sink.count;
      await kafka.stop();
      await until(async () => (await metricValue(app, 'email_dispatcher_commit_blocked')) === 1, { what: 'sends held for commits', timeoutMs: 30_000 });
      const atHold = sink.count;
      // Long enough for the buffer (200 at about 100/s) to have been sent had nothing held it.
      await new Promise((r) => setTimeout(r, 5_000));
      const uncommitted = await metricValue(app, 'email_dispatcher_settled_committable_uncommitted_messages');
      console.info(
        `broker away: ${sink.count - atStop} sent after it began to stop, ${sink.count - atHold} once held; ${uncommitted} settled uncommitted (bound ${MAX_UNCOMMITTED}, ${WORKERS} workers, ${BUFFER} buffered)`,
      );
      // Only the sends in flight when the bound was reached finish (and those settled ahead of one of them).
      expect(sink.count - atHold).toBeLessThanOrEqual(WORKERS);
      expect(uncommitted).toBeLessThanOrEqual(MAX_UNCOMMITTED + 2 * WORKERS);
      expect(app.health.readiness()).toMatchObject({ ok: false, commitBlocked: true });
      expect(app.health.liveness().ok).toBe(true);

      await kafka.start();
      await until(() => ids.every((id) => sink.seen(`<${id}@acme.test>`)), { what: 'every event delivered', timeoutMs: 180_000 });
      await until(async () => (await metricValue(app, 'email_dispatcher_commit_blocked')) === 0, { what: 'hold released', timeoutMs: 30_000 });
      const check = await createWorld(kafka.brokers, { reuse: world });
      await until(async () => (await committedLag(check)) === 0, { what: 'committed lag 0', timeoutMs: 60_000 });
      await check.close();
      console.info(`after the broker returned: ${sink.duplicates} duplicate(s) of ${ids.length}`);
    } finally {
      await app.stop();
      await sink.stop();
    }
  }, 300_000);
});
