import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isPortFree } from '../../dev/kafka/port.js';
import { ensureKafka, stopKafka, type LocalKafkaOptions } from '../../dev/local-kafka.js';

/**
 * The chaos run's own broker: it gets stopped and started, so it cannot be the broker other tests
 * share. Own ports (CHAOS_KAFKA_PORT and the next one, else a free random pair) and a /tmp data dir.
 */
export interface ChaosBroker {
  readonly brokers: string[];
  readonly port: number;
  readonly dir: string;
  readonly up: boolean;
  /** Controlled shutdown (SIGTERM; SIGKILL after 30 s). The data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same data and ports; a no-op while it is up. */
  start(): Promise<void>;
  /** Stops it and deletes its data (kept with CHAOS_KEEP=1). Idempotent. */
  close(): Promise<void>;
}

export async function startChaosBroker({ env = process.env, log = () => undefined }: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {}): Promise<ChaosBroker> {
  const port = env.CHAOS_KAFKA_PORT ? Number(env.CHAOS_KAFKA_PORT) : await freePortPair();
  if (!Number.isInteger(port) || port < 1024 || port > 65_534) throw new RangeError(`Expected CHAOS_KAFKA_PORT to be a port from 1024 to 65534, got "${env.CHAOS_KAFKA_PORT}"`);
  const dir = mkdtempSync(path.join(tmpdir(), 'chaos-kafka-'));
  const options: LocalKafkaOptions = { port, controllerPort: port + 1, dir, heap: '512m', partitions: 1, log: (line) => log(`[kafka] ${line}`) };
  await ensureKafka({ ...options, fresh: true });
  let up = true;
  let closing: Promise<void> | undefined;
  const broker: ChaosBroker = {
    brokers: [`127.0.0.1:${port}`],
    port,
    dir,
    get up() {
      return up;
    },
    async stop() {
      up = false;
      await stopKafka({ dir, log: options.log });
    },
    async start() {
      await ensureKafka(options);
      up = true;
    },
    close() {
      closing ??= (async () => {
        await stopKafka({ dir }).catch(() => undefined);
        up = false;
        if (!env.CHAOS_KEEP) rmSync(dir, { recursive: true, force: true });
        else log(`[kafka] kept ${dir}`);
      })();
      return closing;
    },
  };
  return broker;
}

async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 41_000 + 2 * Math.floor(Math.random() * 3_500);
    if ((await isPortFree(port)) && (await isPortFree(port + 1))) return port;
  }
  throw new Error('no free pair of ports for the chaos broker in 41000-48000; set CHAOS_KAFKA_PORT');
}
