import net from 'node:net';

/**
 * A TCP proxy in front of the chaos run's Redis, so a fault can take Redis away or slow it down for
 * the service without touching the server (its data, the ledger's claims, stays): `setDown(true)`
 * drops every connection and every new one; `setLatency(ms)` holds each chunk from Redis that long
 * (in order) before passing it on.
 */
export interface RedisProxy {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  setDown(down: boolean): void;
  setLatency(ms: number): void;
  stop(): Promise<void>;
}

export async function startRedisProxy({ upstreamPort }: { upstreamPort: number }): Promise<RedisProxy> {
  let down = false;
  let latencyMs = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort });
    sockets.add(client);
    sockets.add(upstream);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.on('data', (chunk) => upstream.write(chunk));
    // Replies wait `latencyMs`, each after the one before: order is kept, as on a slow link.
    let last = 0;
    upstream.on('data', (chunk) => {
      if (latencyMs === 0 && last <= Date.now()) {
        client.write(chunk);
        return;
      }
      const due = Math.max(Date.now() + latencyMs, last);
      last = due;
      setTimeout(() => client.writable && client.write(chunk), due - Date.now()).unref();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    setDown(next) {
      down = next;
      if (next) for (const socket of sockets) socket.destroy();
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
