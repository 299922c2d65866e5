import type { ConsumerCrashEvent, ConsumerEndBatchProcessEvent, ConsumerGroupJoinEvent } from 'kafkajs';

import type { TopicPartition } from '../pipeline/topic-partition.js';
import type { MembershipGate } from './batch-handler.js';
import { BlockedPartitions } from './blocked-partitions.js';
import { commitBeforeRejoin } from './commit-before-rejoin.js';
import type { ConsumerLifecycleOptions } from './consumer-lifecycle-options.js';
import { type GroupErrorKind, groupErrorKind } from './group-error.js';
import { JoinHistory } from './join-history.js';
import { isJoinStart } from './join-start.js';
import { PauseState } from './pause-state.js';

type Phase = 'joining' | 'member' | GroupErrorKind;

/**
 * The consumer's group membership as the pipeline sees it: joins, rebalances, lost membership,
 * crashes and restarts, and the pauses that must hold across all of them.
 *
 * - A rebalance, once known (a heartbeat says so, KafkaJS reports it, or KafkaJS starts a join on
 *   its own), starts no new send; settled offsets are committed with the old generation; then
 *   KafkaJS rejoins. Only a heartbeat error stops admission: KafkaJS rejoins on the error a batch throws.
 * - A lost membership (evicted, fenced, crashed) drops every partition: nothing of theirs is sent
 *   or settled any more; whoever owns them next redelivers them.
 * - Pause state (SMTP circuit open, partitions past their bound) is desired state, applied now if
 *   KafkaJS can take it and again after every (re)join: a restarted consumer group forgets it.
 */
export class ConsumerLifecycle implements MembershipGate {
  #phase: Phase = 'joining';
  #rejoinError: unknown;
  readonly #joins = new JoinHistory();
  #episode: Promise<void> = Promise.resolve();
  readonly #pauses: PauseState;
  readonly #blocked: BlockedPartitions;
  readonly #off: Array<() => void> = [];

  constructor(private readonly o: ConsumerLifecycleOptions) {
    const { consumer, tracker, maxAheadPerPartition, logger } = o;
    this.#pauses = new PauseState({ consumer, topic: o.topic, metrics: o.metrics, logger });
    this.#blocked = new BlockedPartitions({ pauses: this.#pauses, tracker, maxAheadPerPartition, onChange: () => o.onChange(), logger });
    const { GROUP_JOIN, REBALANCING, CRASH, FETCH, HEARTBEAT, COMMIT_OFFSETS, END_BATCH_PROCESS, REQUEST } = consumer.events;
    this.#off.push(
      consumer.on(FETCH, () => o.onContact()),
      consumer.on(HEARTBEAT, () => o.onContact()),
      consumer.on(COMMIT_OFFSETS, () => o.onContact()),
      consumer.on(GROUP_JOIN, (event) => this.#joined(event)),
      consumer.on(REBALANCING, () => void this.#rebalanceKnown('rebalancing', undefined)),
      consumer.on(REQUEST, ({ payload }) => isJoinStart(payload) && this.#joinStarting()),
      consumer.on(CRASH, (event) => this.#crashed(event)),
      consumer.on(END_BATCH_PROCESS, (event) => this.#batchProcessed(event)),
    );
  }

  /** Joined and not rebalancing: the partitions in the tracker are ours. */
  get joined(): boolean {
    return this.#phase === 'member';
  }

  /** In the group, possibly rebalancing: false before the first join and after membership was lost. */
  get inGroup(): boolean {
    return this.#phase === 'member' || this.#phase === 'rebalancing';
  }

  get blockedPartitions(): readonly TopicPartition[] {
    return this.#pauses.blocked;
  }

  assertMember(): void {
    if ((this.#phase === 'rebalancing' || this.#phase === 'membership-lost') && this.#rejoinError !== undefined) throw this.#rejoinError;
  }

  async heartbeatFailed(err: unknown): Promise<void> {
    const kind = groupErrorKind(err);
    if (kind) await this.#rebalanceKnown(kind, err);
  }

  setCircuitOpen(open: boolean): void {
    this.#pauses.setCircuitOpen(open);
  }

  /** Intake is waiting for buffer space (fetching stopped); only for the fetch_paused gauge. */
  setWaitingForSpace(waiting: boolean): void {
    this.#pauses.setWaitingForSpace(waiting);
  }

  /** A partition reached its bound past the watermark (one offset does not settle): pause it. */
  blockPartition(tp: TopicPartition): void {
    this.#blocked.block(tp);
  }

  /** Resumes blocked partitions whose backlog past the watermark fell to half the bound. Call periodically. */
  refresh(): void {
    this.#blocked.refresh();
  }

  /** Shutdown: fetch nothing more, whatever joins next. */
  stop(): void {
    this.#pauses.stop();
  }

  /** Removes the KafkaJS listeners; idempotent. */
  close(): void {
    for (const off of this.#off.splice(0)) off();
  }

  /** KafkaJS started a join while we were a member, maybe with nothing said before (its own rejoins). */
  #joinStarting(): void {
    if (this.#phase !== 'member') return;
    this.o.logger.info('KafkaJS is rejoining the group on its own: starting no send, committing what settled before the new generation');
    void this.#rebalanceKnown('rebalancing', undefined);
  }

  #joined({ payload }: ConsumerGroupJoinEvent): void {
    const { assignment, moved, newMember } = this.#joins.record(payload);
    // A join with no sign at all before it that moved partitions is still a rebalance (one that moved none changed nothing here).
    if (this.#phase === 'member' && moved) this.o.metrics.rebalances.inc();
    // A new member id with nothing lost said before: KafkaJS's own heartbeat found the member unknown and it
    // rejoined as a new one. The old member's partitions may have been another's meanwhile, even those assigned again.
    if (newMember && this.#phase !== 'membership-lost') this.#dropEverything(new Error('rejoined as a new member'));
    const revoked = this.o.tracker.retain(assignment);
    const abandoned = this.o.dispatcher.abandonPartitions(revoked);
    this.o.onPartitionsDropped(revoked);
    for (const tp of revoked) this.#pauses.unblock(tp);
    this.#phase = 'member';
    this.#rejoinError = undefined;
    this.o.committer.resume();
    this.o.dispatcher.unhold('rebalance');
    this.#pauses.apply();
    this.o.onContact();
    this.o.onChange();
    this.o.logger.info(
      { partitions: assignment.map((tp) => tp.partition), revoked: revoked.map((tp) => tp.partition), abandoned, memberId: payload.memberId },
      'joined consumer group',
    );
  }

  #rebalanceKnown(kind: GroupErrorKind, err: unknown): Promise<void> {
    // KafkaJS rejoins on the error eachBatch throws; a lost membership must reach it as such.
    if (err !== undefined && (this.#rejoinError === undefined || kind === 'membership-lost')) this.#rejoinError = err;
    if (this.#phase === kind || this.#phase === 'membership-lost') return this.#episode;
    const first = this.#phase === 'member' || this.#phase === 'joining';
    this.#phase = kind;
    if (first) this.o.metrics.rebalances.inc();
    this.o.dispatcher.hold('rebalance');
    // The join may come before this episode ends (KafkaJS rejoins from another fetcher too): what the
    // episode suspends is the generation it began in, never the next one.
    const { generation } = this.o.committer;
    if (kind === 'membership-lost') {
      this.#dropEverything(err);
      // Nothing is left to commit, and a commit still in flight (KafkaJS retries it) must not delay the rejoin.
      this.o.committer.suspend(generation);
      this.#episode = Promise.resolve();
    } else {
      this.#episode = commitBeforeRejoin(this.o, generation, err);
    }
    this.o.onChange();
    return this.#episode;
  }

  /** Every partition is treated as revoked: nothing of theirs is sent or settled any more. */
  #dropEverything(err: unknown): void {
    const dropped = this.o.tracker.retain([]);
    const abandoned = this.o.dispatcher.abandonAll();
    this.o.onPartitionsDropped(dropped);
    for (const tp of this.#pauses.blocked) this.#pauses.unblock(tp);
    this.o.logger.warn(
      { error: (err as Error | undefined)?.message, partitions: dropped.length, abandoned },
      'no longer a member of the consumer group: every partition treated as revoked; rejoining',
    );
  }

  #crashed({ payload }: ConsumerCrashEvent): void {
    this.o.metrics.crashes.inc({ restart: String(payload.restart) });
    this.o.logger.error(
      { err: payload.error, restart: payload.restart },
      payload.restart ? 'Kafka consumer crashed; KafkaJS restarts it' : 'Kafka consumer crashed for good; stopping',
    );
    // KafkaJS rebuilds the consumer group as a new member: this one's partitions are gone.
    void this.#rebalanceKnown('membership-lost', undefined);
    if (!payload.restart) this.o.onFatal('consumer crashed');
  }

  #batchProcessed({ payload }: ConsumerEndBatchProcessEvent): void {
    // KafkaJS resolves a batch of only control records or aborted transactions itself and never
    // hands it to eachBatch: let the watermark pass it too, or lag never reaches 0.
    if (payload.batchSize !== 0 || payload.firstOffset === null || !this.joined) return;
    this.o.tracker.markGap(payload.topic, payload.partition, BigInt(payload.lastOffset) + 1n);
    this.o.committer.notify();
  }
}
