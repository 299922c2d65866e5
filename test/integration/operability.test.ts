import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { freePort } from '../../dev/loadtest/free-port.js';
import { produceEvents, serviceEnv, startApp, until, useAppWorld } from '../support/app-harness.js';

const PROMETHEUS = '/usr/bin/prometheus';

const ctx = useAppWorld({ sink: { store: false } });

const status = async (url: string) => (await fetch(url)).status;

describe('operability', () => {
  it.skipIf(!existsSync(PROMETHEUS))(
    `a real Prometheus scrapes the service: up is 1 and the sent counter equals what the SMTP server got${existsSync(PROMETHEUS) ? '' : ` (SKIPPED: no ${PROMETHEUS}; apt-get install prometheus)`}`,
    async () => {
      const httpPort = await freePort();
      const promPort = await freePort();
      const dir = mkdtempSync(path.join(tmpdir(), 'prom-'));
      writeFileSync(
        path.join(dir, 'prometheus.yml'),
        `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: email-dispatcher\n    static_configs: [{ targets: ['127.0.0.1:${httpPort}'] }]\n`,
      );
      const prometheus: ChildProcess = spawn(
        PROMETHEUS,
        [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`],
        { stdio: 'ignore' },
      );
      const query = async (q: string): Promise<number | undefined> => {
        const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
        const body = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
        const value = body.data?.result?.[0]?.value[1];
        return value === undefined ? undefined : Number(value);
      };
      try {
        ctx.app = await startApp(serviceEnv(ctx.world, ctx.sink.port, { HTTP_PORT: String(httpPort) }));
        await produceEvents(
          ctx.world,
          Array.from({ length: 25 }, (_, i) => `prom-${i}`),
        );
        await ctx.sink.waitFor(25, { timeoutMs: 30_000 });
        await until(async () => (await query('up{job="email-dispatcher"}')) === 1, { what: 'up == 1', timeoutMs: 60_000, everyMs: 500 });
        await until(async () => (await query('sum(email_dispatcher_emails_sent_total)')) === ctx.sink.count, {
          what: 'sent counter == mails received',
          timeoutMs: 30_000,
          everyMs: 500,
        });
      } finally {
        prometheus.kill('SIGTERM');
        await new Promise((r) => prometheus.once('exit', r));
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('/livez fails when work is pending and nothing progresses, and stays healthy while idle', async () => {
    ctx.app = await startApp(
      serviceEnv(ctx.world, ctx.sink.port, { LIVENESS_STALL_MS: '1500', DLQ_PUBLISH_STALL_MS: '750', SMTP_TIMEOUT_MS: '60000', SHUTDOWN_TIMEOUT_MS: '1000' }),
    );
    const livez = `http://127.0.0.1:${ctx.app.httpPort()}/livez`;
    const readyz = `http://127.0.0.1:${ctx.app.httpPort()}/readyz`;
    await until(async () => (await status(readyz)) === 200, { what: 'ready' });
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await status(livez)).toBe(200);
    // A send that hangs (SMTP accepts the connection, then answers DATA after 40 s): work held, no progress.
    ctx.sink.setLatency(40_000);
    await produceEvents(ctx.world, ['stall-1']);
    await until(async () => (await status(livez)) === 503, { what: '/livez 503', timeoutMs: 20_000 });
    ctx.sink.setLatency(0);
  });
});
