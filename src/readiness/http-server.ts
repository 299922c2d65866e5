import { createServer, type Server } from 'node:http';

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import type { Health } from './health.js';

/** Serves /metrics, /readyz and /livez. `close()` is idempotent. */
export async function startHttpServer({
  port,
  host = '0.0.0.0',
  registry,
  health,
  logger,
}: {
  port: number;
  host?: string;
  registry: Registry;
  health: Health;
  logger: Logger;
}): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        (err: unknown) => {
          logger.error({ err }, 'metrics collection failed');
          res.writeHead(500).end();
        },
      );
      return;
    }
    if (path === '/readyz' || path === '/livez') {
      const report = path === '/readyz' ? health.readiness() : health.liveness();
      res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(report));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  let closing: Promise<void> | undefined;
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
