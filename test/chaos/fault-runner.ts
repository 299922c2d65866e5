import kafkajs, { type Admin } from 'kafkajs';

import type { SmtpSink } from '../../dev/smtp-sink.js';
import type { ChaosBroker } from './chaos-broker.js';
import type { Disruption } from './duplicate-bound.js';
import { describeFault, type Fault, type ScheduledFault } from './fault.js';
import { applyKafkaNodeFault } from './kafka-node-faults.js';
import type { RedisProxy } from './redis-proxy.js';
import type { TimeWindow } from './retries-could-exhaust.js';
import { retrying } from './retrying.js';
import type { ServiceFleet } from './service-fleet.js';

const { ConfigResourceTypes } = kafkajs;
/** Kafka's default message.max.bytes, which the receipts topic goes back to. */
const BROKER_MAX_MESSAGE_BYTES = 1_048_588;

export interface AppliedFault {
  readonly kind: Fault['kind'];
  readonly plannedAtMs: number;
  readonly atMs: number;
  endMs: number | undefined;
  readonly detail: string;
  outcome: 'applied' | 'skipped' | 'failed';
  note: string | undefined;
}

export interface FaultRunnerOptions {
  readonly fleet: ServiceFleet;
  readonly broker: ChaosBroker;
  /** The primary relay. */
  readonly sink: SmtpSink;
  /** The fallback relay and the password it expects, when the run has one. */
  readonly fallback?: { readonly sink: SmtpSink; readonly user: string; readonly pass: string };
  /** In front of Redis, when the run uses it (ledger, cluster rate). */
  readonly redis?: RedisProxy;
  readonly admin: Admin;
  readonly topic: string;
  readonly groupId: string;
  /** The receipts topic, when receipts are on. */
  readonly receiptsTopic?: string;
  /** Partitions at the start. */
  readonly partitions: number;
  /** Graceful-stop budget for a SIGTERM before SIGKILL (the service's SHUTDOWN_TIMEOUT_MS plus its watchdog). */
  readonly terminateGraceMs: number;
  /** Chaos-phase time. */
  readonly clock: () => number;
  readonly log: (line: string) => void;
}

/**
 * Carries out a fault schedule against the real broker, SMTP sink and service processes, and keeps
 * what the checker needs: the SMTP failure windows and broker outages as they really happened, and
 * every disruption of the consumer group. `heal()` cuts every fault short and restores each one.
 */
export class FaultRunner {
  readonly applied: AppliedFault[] = [];
  readonly failureWindows: TimeWindow[] = [];
  /** From a node going away to it answering again (commits to it may be lost). */
  readonly brokerOutages: TimeWindow[] = [];
  /** Redis down or slow: the cluster rate may fall back to per-pod shares. */
  readonly redisWindows: TimeWindow[] = [];
  /** Broker restarts and added partitions; members starting and exiting are in the fleet's events. */
  readonly disruptions: Disruption[] = [];
  readonly #o: FaultRunnerOptions;
  readonly #healed = new AbortController();
  readonly #tasks = new Set<Promise<void>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #partitions: number;
  #producerPartitions: number;
  #slow = 0;
  /** Faults on Kafka nodes run one after the other: two nodes down would stop every write (min.insync.replicas 2). */
  #brokerChain: Promise<unknown> = Promise.resolve();

  constructor(options: FaultRunnerOptions) {
    this.#o = options;
    this.#partitions = options.partitions;
    this.#producerPartitions = options.partitions;
  }

  /** Partitions the producer may use: new ones a few seconds after they were added (metadata refresh). */
  get producerPartitions(): number {
    return this.#producerPartitions;
  }

  get partitions(): number {
    return this.#partitions;
  }

  /** Fires each fault at its time (relative to now). */
  schedule(faults: readonly ScheduledFault[]): void {
    const origin = this.#o.clock();
    for (const planned of faults) {
      const timer = setTimeout(
        () => {
          this.#timers.delete(timer);
          if (this.#healed.signal.aborted) return;
          const task = this.#run(planned).finally(() => this.#tasks.delete(task));
          this.#tasks.add(task);
        },
        Math.max(0, planned.atMs - (this.#o.clock() - origin)),
      );
      this.#timers.add(timer);
    }
  }

  /** Cancels faults not started yet, cuts running ones short (each restores what it broke) and waits for them. */
  async heal(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#healed.abort();
    await Promise.allSettled([...this.#tasks]);
  }

  /** Waits `ms`, or less once healing began. */
  #hold(ms: number): Promise<void> {
    const signal = this.#healed.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async #run({ atMs: plannedAtMs, fault }: ScheduledFault): Promise<void> {
    const record: AppliedFault = {
      kind: fault.kind,
      plannedAtMs,
      atMs: this.#o.clock(),
      endMs: undefined,
      detail: describeFault(fault),
      outcome: 'applied',
      note: undefined,
    };
    this.applied.push(record);
    this.#o.log(`t+${(record.atMs / 1000).toFixed(1)}s  ${record.detail}`);
    try {
      const note = await this.#apply(fault, record.atMs);
      if (note !== undefined) {
        record.outcome = note.skipped ? 'skipped' : 'applied';
        record.note = note.text;
      }
    } catch (err) {
      record.outcome = 'failed';
      record.note = (err as Error).message;
    }
    record.endMs = this.#o.clock();
    if (record.note) this.#o.log(`t+${(record.endMs / 1000).toFixed(1)}s  ${fault.kind}: ${record.outcome}, ${record.note}`);
  }

  async #apply(fault: Fault, atMs: number): Promise<{ skipped: boolean; text: string } | undefined> {
    const { fleet, sink } = this.#o;
    switch (fault.kind) {
      case 'sigkill': {
        const member = fleet.pick(fault.target);
        if (!member) return { skipped: true, text: 'no instance running' };
        await fleet.kill(member);
        await this.#hold(fault.restartAfterMs);
        await fleet.start();
        return { skipped: false, text: `killed ${member.name}` };
      }
      case 'sigterm': {
        const member = fleet.pick(fault.target);
        if (!member) return { skipped: true, text: 'no instance running' };
        const code = await fleet.terminate(member, this.#o.terminateGraceMs);
        await fleet.start();
        return { skipped: false, text: `${member.name} exited ${code}${code === 0 ? '' : ' (a graceful shutdown should exit 0)'}` };
      }
      case 'join': {
        const member = await fleet.start();
        return { skipped: false, text: `${member.name} joined` };
      }
      case 'leave': {
        const member = fleet.running().length > 1 ? fleet.pick(fault.target) : undefined;
        if (!member) return { skipped: true, text: 'it would leave no instance' };
        const code = await fleet.terminate(member, this.#o.terminateGraceMs);
        return { skipped: false, text: `${member.name} left, exited ${code}` };
      }
      case 'kill-coordinator':
      case 'kill-leader':
      case 'rolling-restart': {
        // A node fault queued behind another still runs once healing began (its downtime then cut
        // short): on a loaded machine a node takes 15-35 s to start, and a short run would lose it.
        const run = this.#brokerChain.then(async () => {
          const startedAt = this.#o.clock();
          const text = await applyKafkaNodeFault(fault, { ...this.#o, partitions: this.#partitions, hold: (ms) => this.#hold(ms) });
          this.brokerOutages.push({ startMs: Math.max(atMs, startedAt), endMs: this.#o.clock() });
          // A kill may lose commits in flight to the node; a controlled shutdown hands over first.
          this.disruptions.push({ atMs: startedAt, kind: fault.kind, crash: fault.kind !== 'rolling-restart' });
          return { skipped: false, text };
        });
        this.#brokerChain = run.catch(() => undefined);
        return run;
      }
      case 'smtp-outage': {
        await sink.setDown(true, fault.mode);
        await this.#hold(fault.durationMs);
        await sink.setDown(false);
        this.failureWindows.push({ startMs: atMs, endMs: this.#o.clock() });
        return undefined;
      }
      case 'smtp-slow': {
        this.#slow += 1;
        sink.setLatency(fault.latencyMs);
        await this.#hold(fault.durationMs);
        if (--this.#slow === 0) sink.setLatency(0);
        return undefined;
      }
      case 'smtp-4xx-burst': {
        sink.setFailureRate({ transient: 1 });
        await this.#hold(fault.durationMs);
        sink.setFailureRate({ transient: 0 });
        this.failureWindows.push({ startMs: atMs, endMs: this.#o.clock() });
        return undefined;
      }
      case 'fallback-outage': {
        const fallback = this.#o.fallback;
        if (!fallback) return { skipped: true, text: 'no fallback relay' };
        await fallback.sink.setDown(true, 'refuse');
        await this.#hold(fault.durationMs);
        await fallback.sink.setDown(false);
        return undefined;
      }
      case 'relays-down':
      case 'fallback-auth-refused': {
        const fallback = this.#o.fallback;
        if (!fallback) return { skipped: true, text: 'no fallback relay' };
        await sink.setDown(true, 'refuse');
        if (fault.kind === 'relays-down') await fallback.sink.setDown(true, 'refuse');
        else {
          // The fallback's password changed, and its sessions end (a relay restarted with the new one):
          // every login from now on is refused; a session logged in before would not be.
          fallback.sink.setAuth({ user: fallback.user, pass: `${fallback.pass}-rotated` });
          await fallback.sink.setDown(true, 'reply-421');
          await fallback.sink.setDown(false);
        }
        await this.#hold(fault.durationMs);
        await sink.setDown(false);
        if (fault.kind === 'relays-down') await fallback.sink.setDown(false);
        else fallback.sink.setAuth({ user: fallback.user, pass: fallback.pass });
        this.failureWindows.push({ startMs: atMs, endMs: this.#o.clock() });
        return fault.kind === 'fallback-auth-refused' ? { skipped: false, text: `fallback refused ${fallback.sink.authFailures} logins so far` } : undefined;
      }
      case 'redis-down':
      case 'redis-slow': {
        const redis = this.#o.redis;
        if (!redis) return { skipped: true, text: 'no Redis in this run' };
        if (fault.kind === 'redis-down') redis.setDown(true);
        else redis.setLatency(fault.latencyMs);
        await this.#hold(fault.durationMs);
        redis.setDown(false);
        redis.setLatency(0);
        this.redisWindows.push({ startMs: atMs, endMs: this.#o.clock() });
        return undefined;
      }
      case 'receipts-unwritable': {
        const topic = this.#o.receiptsTopic;
        if (!topic) return { skipped: true, text: 'receipts are off' };
        // A topic whose max.message.bytes no receipt fits: every write is refused (MESSAGE_TOO_LARGE), the
        // receipts written so far stay for the checker. (min.insync.replicas above the replication
        // factor would not do: the broker caps it at the replica count.)
        await this.#setMaxMessageBytes(topic, 16);
        await this.#hold(fault.durationMs);
        await this.#setMaxMessageBytes(topic, BROKER_MAX_MESSAGE_BYTES);
        return undefined;
      }
      case 'add-partitions': {
        const count = this.#partitions + fault.count;
        // The broker may be down or just back: retry, and count a first attempt that did land.
        await retrying(
          'adding partitions',
          async () => {
            const { topics } = await this.#o.admin.fetchTopicMetadata({ topics: [this.#o.topic] });
            if ((topics[0]?.partitions.length ?? 0) < count) await this.#o.admin.createPartitions({ topicPartitions: [{ topic: this.#o.topic, count }] });
          },
          { timeoutMs: 90_000 },
        );
        this.#partitions = count;
        this.disruptions.push({ atMs: this.#o.clock(), kind: fault.kind, crash: false });
        const timer = setTimeout(() => (this.#producerPartitions = Math.max(this.#producerPartitions, count)), 4_000);
        timer.unref();
        return { skipped: false, text: `now ${count} partitions` };
      }
      default: {
        const never: never = fault;
        throw new Error(`unknown fault ${JSON.stringify(never)}`);
      }
    }
  }

  async #setMaxMessageBytes(topic: string, value: number): Promise<void> {
    await retrying(
      `setting max.message.bytes of ${topic}`,
      () =>
        this.#o.admin.alterConfigs({
          validateOnly: false,
          resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'max.message.bytes', value: String(value) }] }],
        }),
      { timeoutMs: 60_000 },
    );
  }
}
