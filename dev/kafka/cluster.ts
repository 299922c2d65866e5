/**
 * A local multi-node KRaft cluster: N JVMs, each a broker and a voter of the controller quorum
 * (combined mode: a quorum of 3 that survives one node down, at half the memory of separate
 * controller JVMs). Node i (1-based) lives in `<dir>/node-<i>` and listens on `port + 2(i-1)`, its
 * controller on the port after. Every node is a single-node broker of dev/local-kafka.ts with a
 * shared cluster id, so start, reuse, stop and logs work the same way per node.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { clusterId, ensureKafka, type LocalKafkaOptions, stopKafka } from '../local-kafka.js';
import { isBrokerProcess, readPidFile, removePidFile, sendSignal, waitForExit } from './broker-process.js';

export interface LocalKafkaClusterOptions {
  /** State directory; one folder per node. */
  readonly dir: string;
  /** PLAINTEXT port of node 1; node i uses `port + 2(i-1)`, its controller the next port. */
  readonly port: number;
  /** @default 3 */
  readonly nodes?: number;
  /** @default min(3, nodes) */
  readonly replicationFactor?: number;
  /** @default min(2, replicationFactor) */
  readonly minInsyncReplicas?: number;
  /** JVM -Xmx of each node. @default '512m' */
  readonly heap?: string;
  /** num.partitions. @default 6 */
  readonly partitions?: number;
  /** Delete the data of a previous cluster first. @default false */
  readonly fresh?: boolean;
  readonly startTimeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly log?: (message: string) => void;
}

export interface ClusterNode {
  /** node.id, 1-based. */
  readonly id: number;
  readonly port: number;
  /** `127.0.0.1:<port>` */
  readonly broker: string;
  readonly dir: string;
  /** Starts the node on its data (a no-op while it runs) and waits until it answers. */
  start(): Promise<void>;
  /** Controlled shutdown (SIGTERM; SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL: no controlled shutdown, as a machine that dies. */
  kill(): Promise<void>;
  running(): Promise<boolean>;
}

export interface LocalKafkaCluster {
  /** Every node's `127.0.0.1:<port>`: bootstrap servers for KafkaJS. */
  readonly brokers: string[];
  readonly nodes: readonly ClusterNode[];
  /** The node with this node.id. */
  node(id: number): ClusterNode;
  /** Stops every node (in parallel). Idempotent. */
  stop(): Promise<void>;
}

/** Starts (or reuses) every node of the cluster in parallel: the quorum needs a majority to answer. */
export async function ensureKafkaCluster(o: LocalKafkaClusterOptions): Promise<LocalKafkaCluster> {
  const count = o.nodes ?? 3;
  if (!Number.isInteger(count) || count < 1 || count > 9) throw new RangeError(`Expected 1 to 9 cluster nodes, got ${count}`);
  const replicationFactor = o.replicationFactor ?? Math.min(3, count);
  const minInsyncReplicas = o.minInsyncReplicas ?? Math.min(2, replicationFactor);
  if (replicationFactor > count || minInsyncReplicas > replicationFactor) {
    throw new RangeError(`Expected min.insync.replicas <= replication factor <= nodes, got ${minInsyncReplicas}, ${replicationFactor}, ${count}`);
  }
  const root = path.resolve(o.dir);
  await mkdir(root, { recursive: true });
  const id = await sharedClusterId(root, o.fresh ?? false);
  const ids = Array.from({ length: count }, (_, i) => i + 1);
  const portOf = (n: number): number => o.port + 2 * (n - 1);
  const voters = ids.map((n) => `${n}@127.0.0.1:${portOf(n) + 1}`).join(',');
  const log = o.log ?? (() => undefined);
  const optionsOf = (n: number): LocalKafkaOptions => ({
    dir: path.join(root, `node-${n}`),
    port: portOf(n),
    controllerPort: portOf(n) + 1,
    heap: o.heap ?? '512m',
    // Three JVMs on a small machine: the C1 compiler alone starts a node in about half the CPU time,
    // and a node restarted by a fault is back sooner.
    jvmFlags: ['-XX:TieredStopAtLevel=1'],
    partitions: o.partitions ?? 6,
    ...(o.startTimeoutMs === undefined ? {} : { startTimeoutMs: o.startTimeoutMs }),
    ...(o.signal ? { signal: o.signal } : {}),
    log: (line) => log(`[node ${n}] ${line}`),
    cluster: { nodeId: n, voters, replicationFactor, minInsyncReplicas, clusterId: id },
  });
  const nodes = ids.map((n): ClusterNode => {
    const options = optionsOf(n);
    const dir = options.dir as string;
    const pidFile = path.join(dir, 'broker.pid');
    const propertiesFile = path.join(dir, 'server.properties');
    return {
      id: n,
      port: portOf(n),
      broker: `127.0.0.1:${portOf(n)}`,
      dir,
      start: async () => {
        await ensureKafka(options);
      },
      stop: async (timeoutMs = 30_000) => {
        await stopKafka({ dir, timeoutMs, log: options.log });
      },
      kill: async () => {
        const pid = await readPidFile(pidFile);
        if (pid === undefined || !(await isBrokerProcess(pid, propertiesFile))) return;
        sendSignal(pid, 'SIGKILL');
        await waitForExit(pid, { timeoutMs: 10_000 });
        await removePidFile(pidFile);
        log(`[node ${n}] killed (pid ${pid})`);
      },
      running: async () => {
        const pid = await readPidFile(pidFile);
        return pid !== undefined && (await isBrokerProcess(pid, propertiesFile));
      },
    };
  });
  const started = Date.now();
  await Promise.all(ids.map((n) => ensureKafka({ ...optionsOf(n), fresh: o.fresh ?? false })));
  log(
    `a ${count}-node cluster (replication ${replicationFactor}, min.insync.replicas ${minInsyncReplicas}) is up in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  let stopping: Promise<void> | undefined;
  return {
    brokers: nodes.map((n) => n.broker),
    nodes,
    node: (n) => {
      const found = nodes.find((node) => node.id === n);
      if (!found) throw new RangeError(`no node ${n} in a ${count}-node cluster`);
      return found;
    },
    stop: () => (stopping ??= Promise.all(nodes.map((n) => n.stop())).then(() => undefined)),
  };
}

/** One cluster id for every node, kept beside them so a node formatted later joins the same cluster. */
async function sharedClusterId(root: string, fresh: boolean): Promise<string> {
  const file = path.join(root, 'cluster.id');
  if (!fresh && existsSync(file)) return readFileSync(file, 'utf8').trim();
  const id = clusterId();
  await writeFile(file, `${id}\n`);
  return id;
}
