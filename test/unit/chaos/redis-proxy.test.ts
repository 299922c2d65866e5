import net from 'node:net';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { startRedisProxy } from '../../../test/chaos/redis-proxy.js';

/** An upstream server (standing in for Redis), the proxy in front of it and a client through the proxy. */
async function throughProxy() {
  const upstream = net.createServer();
  const upstreamSide = new Promise<net.Socket>((resolve) => upstream.once('connection', resolve));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const proxy = await startRedisProxy({ upstreamPort: (upstream.address() as net.AddressInfo).port });
  const client = net.connect({ host: '127.0.0.1', port: proxy.port });
  const connected = new Promise((resolve) => client.once('connect', resolve));
  let received = '';
  client.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
  const server = await upstreamSide;
  // Both legs connected and idle, as a client's connection to Redis is between commands.
  await connected;
  await sleep(20);
  const close = async () => {
    client.destroy();
    server.destroy();
    await proxy.stop();
    await new Promise((resolve) => upstream.close(resolve));
  };
  return { proxy, server, received: () => received, close };
}

/** Turns of the event loop (I/O included) until `check` holds or `realMs` of real time passed; works under fake timers. */
async function turnsUntil(check: () => boolean, realMs = 2_000): Promise<void> {
  for (const deadline = performance.now() + realMs; !check() && performance.now() < deadline;) await new Promise((resolve) => setImmediate(resolve));
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the chaos Redis proxy', () => {
  let opened: Awaited<ReturnType<typeof throughProxy>> | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  it('while slowed down › passes replies on in order, each after the latency', async () => {
    opened = await throughProxy();
    const { proxy, server, received } = opened;
    proxy.setLatency(40);
    const started = Date.now();
    for (const reply of ['+1\r\n', '+2\r\n', '+3\r\n']) {
      server.write(reply);
      await sleep(5);
    }
    await turnsUntil(() => received().length === 12);
    expect(received()).toBe('+1\r\n+2\r\n+3\r\n');
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
  });

  it('when the slowdown ends while a reply still waits › a later reply does not overtake it (ioredis matches replies to commands in order)', async () => {
    opened = await throughProxy();
    const { proxy, server, received } = opened;
    // The proxy's clock and timers are faked, the sockets are real: the first reply's timer fires
    // only when told, as on a loaded event loop that has not had its turn for timers yet.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      proxy.setLatency(50);
      server.write('+first\r\n');
      await turnsUntil(() => vi.getTimerCount() === 1);
      // Its due time passes, the slowdown ends, the next reply arrives.
      vi.setSystemTime(Date.now() + 100);
      proxy.setLatency(0);
      server.write('+second\r\n');
      await turnsUntil(() => received().length > 0, 100);
      vi.advanceTimersByTime(100);
      await turnsUntil(() => received().length === '+first\r\n+second\r\n'.length);
    } finally {
      vi.useRealTimers();
    }
    expect(received()).toBe('+first\r\n+second\r\n');
  });
});
