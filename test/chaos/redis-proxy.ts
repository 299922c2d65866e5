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
    // Replies wait `latencyMs` and leave strictly in order, as on a slow link: one that arrives after
    // the slowdown ended still waits behind those queued before it. (Passing it on at once while an
    // earlier one waited for its timer swapped replies: ioredis matches replies to commands in
    // order, so a claim got another event's 'already-sent' and the event was settled unsent.)
    const queue: Array<{ readonly due: number; readonly chunk: Buffer }> = [];
    let timer: NodeJS.Timeout | undefined;
    const schedule = (): void => {
      const next = queue[0];
      if (next !== undefined && timer === undefined) timer = setTimeout(pump, next.due - Date.now()).unref();
    };
    const pump = (): void => {
      timer = undefined;
      for (let next = queue[0]; next !== undefined && next.due <= Date.now(); next = queue[0]) {
        queue.shift();
        if (client.writable) client.write(next.chunk);
      }
      schedule();
    };
    upstream.on('data', (chunk: Buffer) => {
      if (latencyMs === 0 && queue.length === 0) {
        client.write(chunk);
        return;
      }
      queue.push({ due: Math.max(Date.now() + latencyMs, queue.at(-1)?.due ?? 0), chunk });
      schedule();
    });
    client.on('close', () => clearTimeout(timer));
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
