/**
 * A real `redis-server` (Debian package `redis-server`, listed in deploy/ci-packages.txt) on a free
 * loopback port, without persistence, started and stopped by the test that needs it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops the server (data is lost: no persistence). Idempotent. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  /** SIGSTOP: the port stays open but nothing answers, like a hung server. */
  freeze(): void;
  /** SIGCONT after `freeze()`. */
  thaw(): void;
}

/** Why Redis tests cannot run here, or undefined when `redis-server` is on PATH. */
export function redisServerMissing(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return probe.error ? 'redis-server is not installed (Debian: apt-get install redis-server; see deploy/ci-packages.txt)' : undefined;
}

export async function startRedisServer({ startTimeoutMs = 10_000 }: { startTimeoutMs?: number } = {}): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;

  async function launch(): Promise<void> {
    stopping = undefined;
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`redis-server did not start within ${startTimeoutMs} ms:\n${output}`)), startTimeoutMs);
      function fail(error: Error): void {
        clearTimeout(timer);
        proc.kill('SIGKILL');
        reject(error);
      }
      const onData = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.once('error', fail);
      proc.once('exit', (code) => fail(new Error(`redis-server exited with ${code}:\n${output}`)));
    });
  }

  function stop(): Promise<void> {
    const proc = child;
    stopping ??= new Promise<void>((resolve) => {
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGCONT');
      proc.kill('SIGKILL');
    });
    return stopping;
  }

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    async restart() {
      await stop();
      await launch();
    },
    freeze: () => void child?.kill('SIGSTOP'),
    thaw: () => void child?.kill('SIGCONT'),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
