import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { Admin } from 'kafkajs';

import { type ClusterNode, ensureKafkaCluster } from '../../dev/kafka/cluster.js';
import { isPortFree } from '../../dev/kafka/port.js';

/**
 * The chaos run's own Kafka: a 3-node KRaft cluster (replication factor 3, min.insync.replicas 2)
 * of dev/kafka/cluster.ts. Its nodes get killed and restarted, so it cannot be the broker other tests
 * share: own ports (CHAOS_KAFKA_PORT and the five after it, else a free range in 41000-48000, away
 * from 9092/19092) and a /tmp data dir.
 */
export interface ChaosBroker {
  readonly brokers: string[];
  readonly port: number;
  readonly dir: string;
  readonly nodes: readonly ClusterNode[];
  /** Every node runs (after a fault healed). */
  readonly up: boolean;
  /** SIGKILL node `id`; `restart` starts it again on its data. */
  kill(id: number): Promise<void>;
  restart(id: number): Promise<void>;
  /** Controlled shutdown of node `id` then start, waiting until it answers. */
  bounce(id: number): Promise<void>;
  /** Starts every node that is down. */
  start(): Promise<void>;
  /** Stops every node and deletes the data (kept with CHAOS_KEEP=1). Idempotent. */
  close(): Promise<void>;
}

export const CHAOS_NODES = 3;

export async function startChaosBroker({
  env = process.env,
  log = () => undefined,
}: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {}): Promise<ChaosBroker> {
  const port = env.CHAOS_KAFKA_PORT ? Number(env.CHAOS_KAFKA_PORT) : await freePortRange(2 * CHAOS_NODES);
  if (!Number.isInteger(port) || port < 1024 || port > 65_530)
    throw new RangeError(`Expected CHAOS_KAFKA_PORT to be a port from 1024 to 65530, got "${env.CHAOS_KAFKA_PORT}"`);
  const dir = mkdtempSync(path.join(tmpdir(), 'chaos-kafka-'));
  const cluster = await ensureKafkaCluster({
    dir,
    port,
    nodes: CHAOS_NODES,
    heap: '512m',
    partitions: 1,
    fresh: true,
    startTimeoutMs: 120_000,
    log: (line) => log(`[kafka] ${line}`),
  });
  const down = new Set<number>();
  let closing: Promise<void> | undefined;
  return {
    brokers: cluster.brokers,
    port,
    dir,
    nodes: cluster.nodes,
    get up() {
      return down.size === 0;
    },
    async kill(id) {
      down.add(id);
      await cluster.node(id).kill();
    },
    async restart(id) {
      await cluster.node(id).start();
      down.delete(id);
    },
    async bounce(id) {
      down.add(id);
      await cluster.node(id).stop();
      await cluster.node(id).start();
      down.delete(id);
    },
    async start() {
      await Promise.all(
        [...down].map(async (id) => {
          await cluster.node(id).start();
          down.delete(id);
        }),
      );
    },
    close() {
      closing ??= (async () => {
        await cluster.stop().catch(() => undefined);
        if (!env.CHAOS_KEEP) rmSync(dir, { recursive: true, force: true });
        else log(`[kafka] kept ${dir}`);
      })();
      return closing;
    },
  };
}

/** The node that coordinates `groupId`: the leader of its __consumer_offsets partition (Kafka's own rule). */
export async function coordinatorOf(admin: Admin, groupId: string): Promise<number | undefined> {
  const { topics } = await admin.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
  const partitions = topics[0]?.partitions ?? [];
  if (partitions.length === 0) return undefined;
  const partition = (javaStringHash(groupId) & 0x7f_ff_ff_ff) % partitions.length;
  return partitions.find((p) => p.partitionId === partition)?.leader;
}

/** The leader of `partition` of `topic`. */
export async function leaderOf(admin: Admin, topic: string, partition: number): Promise<number | undefined> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  return topics[0]?.partitions.find((p) => p.partitionId === partition)?.leader;
}

/** Java's String.hashCode, which Kafka uses to place a group on a partition of __consumer_offsets. */
export function javaStringHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

async function freePortRange(size: number): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 41_000 + size * Math.floor(Math.random() * Math.floor(7_000 / size));
    let free = true;
    for (let p = port; p < port + size && free; p++) free = await isPortFree(p);
    if (free) return port;
  }
  throw new Error(`no ${size} free ports in a row for the chaos cluster in 41000-48000; set CHAOS_KAFKA_PORT`);
}
