import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { Kafka, logLevel } from 'kafkajs';

import { type DlqWatch, watchDlq } from '../../dev/loadtest/dlq-watch.js';
import { startSmtpSink } from '../../dev/smtp-sink.js';
import type { ChaosBroker } from './chaos-broker.js';
import type { ChaosResult } from './chaos-result.js';
import type { ChaosScale } from './chaos-scale.js';
import { checkFeatures, featureViolations } from './check-features.js';
import { checkHistory } from './check-history.js';
import { readDeadLetters, readLog, readOffsets, readReceipts } from './collect-history.js';
import { copiesBeyondTwo } from './copies-beyond-two.js';
import { waitForDrain } from './drain.js';
import { duplicateBound } from './duplicate-bound.js';
import { type EventProducer, startEventProducer } from './event-producer.js';
import { type ChaosFeatures, describeFeatures, describeSchedule, type FaultKind } from './fault.js';
import { FaultRunner } from './fault-runner.js';
import { exitViolations, memberDisruptions, membersAt, peakMembers } from './fleet-history.js';
import { summary, toJson } from './format-report.js';
import type { ChaosHistory } from './history.js';
import { type MetricsSampler, startMetricsSampler } from './metrics-sampler.js';
import { planSchedule } from './plan-schedule.js';
import { createPrng } from './prng.js';
import { type RedisProxy, startRedisProxy } from './redis-proxy.js';
import { retriesCouldExhaust, retryWindowMs } from './retries-could-exhaust.js';
import { retrying } from './retrying.js';
import { chaosServiceEnv, FROM_DOMAIN, SERVICE_SETTINGS } from './service-env.js';
import { ServiceFleet } from './service-fleet.js';
import { violations } from './violations.js';

export interface RunChaosOptions {
  readonly seed: number;
  readonly scale: ChaosScale;
  readonly features: ChaosFeatures;
  /** Kinds not planned (pending a fix). @default none */
  readonly excludedKinds?: readonly FaultKind[];
  /** @default 2 */
  readonly receiptsPartitions?: number;
  readonly broker: ChaosBroker;
  /** The port of the run's Redis (the ledger, the cluster rate); a proxy in front of it takes the faults. */
  readonly redisPort?: number;
  readonly projectRoot: string;
  readonly log: (line: string) => void;
}

/**
 * One chaos run: fresh topics and group on the chaos broker, an SMTP sink, service instances as
 * child processes, a producer running throughout and a seeded fault schedule; then every fault is
 * healed, the group drains (bounded), the instances stop gracefully and the history checker judges
 * what happened.
 */
/** After a Kafka node fault ends, how long commits may still be failing (a third copy then is named). */
const KAFKA_COMMIT_RECOVERY_MS = 10_000;

export async function runChaos(o: RunChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const { scale, broker, log } = o;
  const runId = `${o.seed.toString(36)}-${Date.now().toString(36)}`;
  const topic = `chaos-${runId}`;
  const dlqTopic = `${topic}.dlq`;
  const features = o.features;
  const receiptsTopic = features.receipts ? `${topic}.receipts` : undefined;
  const needsRedis = features.ledger || features.clusterRate;
  if (needsRedis && o.redisPort === undefined) throw new Error('the ledger and the cluster rate need redisPort');
  const groupId = `${topic}.dispatcher`;
  const reportDir = path.join(o.projectRoot, '.local', 'chaos', runId);
  mkdirSync(reportDir, { recursive: true });
  const prng = createPrng(o.seed);
  const window = retryWindowMs(SERVICE_SETTINGS.retry);
  const schedule = planSchedule({
    prng: prng.fork('schedule'),
    durationMs: scale.chaosMs,
    faults: scale.faults,
    everyKindOnce: scale.everyKindOnce,
    ...(scale.requiredKinds ? { requiredKinds: scale.requiredKinds } : {}),
    brokerRestartSpacingMs: scale.brokerSpacingMs,
    features,
    excludedKinds: o.excludedKinds ?? [],
    instances: scale.instances,
    retryWindowMs: window,
    ranges: scale.ranges,
  });
  log(`chaos seed ${o.seed} (${scale.name}; ${describeFeatures(features)}), topic ${topic}, schedule:\n${describeSchedule(schedule)}`);

  const kafka = new Kafka({
    clientId: `chaos-${runId}`,
    brokers: broker.brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 3_000 },
  });
  const admin = kafka.admin();
  let chaosStart = Date.now();
  const clock = (): number => Date.now() - chaosStart;
  const accepted: Array<string | undefined> = [];
  /** When each mail was accepted (chaos-phase ms), for timelines in a defect report. */
  const acceptedAt: number[] = [];
  const acceptedIds = new Set<string>();
  const onMail = (mail: { messageId?: string | undefined }): void => {
    accepted.push(mail.messageId);
    acceptedAt.push(clock());
    const id = /^<([^@>]+)@/.exec(mail.messageId ?? '')?.[1];
    if (id !== undefined) acceptedIds.add(id);
  };
  const sink = await startSmtpSink({ store: false, onMail });
  const fallbackLogin = { user: 'chaos-fallback', pass: `fallback-${runId}` };
  const fallbackSink = features.fallback ? await startSmtpSink({ store: false, onMail, auth: fallbackLogin }) : undefined;
  const redis: RedisProxy | undefined = needsRedis ? await startRedisProxy({ upstreamPort: o.redisPort as number }) : undefined;
  const fleet = new ServiceFleet({
    projectRoot: o.projectRoot,
    logDir: reportDir,
    clock,
    env: chaosServiceEnv({
      brokers: broker.brokers,
      topic,
      dlqTopic,
      groupId,
      smtpPort: sink.port,
      ...(features.ledger && redis ? { redisUrl: redis.url } : {}),
      ...(receiptsTopic ? { receiptsTopic } : {}),
      ...(fallbackSink ? { fallback: { port: fallbackSink.port, ...fallbackLogin } } : {}),
      ...(features.clusterRate && redis ? { clusterRate: { perSecond: scale.rateLimitPerSecond, maxReplicas: scale.instances.max, redisUrl: redis.url } } : {}),
    }),
    onEvent: (e) => {
      if (e.what === 'unexpected-exit') log(`t+${(e.atMs / 1000).toFixed(1)}s  ${e.member} exited ${e.code} by itself; starting a new instance`);
    },
  });
  // The service's own watchdog exits 10 s after its drain budget; give it that and a little more.
  const terminateGraceMs = SERVICE_SETTINGS.shutdownTimeoutMs + 15_000;
  let producer: EventProducer | undefined;
  let dlqWatch: DlqWatch | undefined;
  let sampler: MetricsSampler | undefined;
  const runner = new FaultRunner({
    fleet,
    broker,
    sink,
    ...(fallbackSink ? { fallback: { sink: fallbackSink, ...fallbackLogin } } : {}),
    ...(redis ? { redis } : {}),
    admin,
    topic,
    groupId,
    ...(receiptsTopic ? { receiptsTopic } : {}),
    partitions: scale.partitions,
    terminateGraceMs,
    clock,
    log,
  });

  try {
    await broker.start();
    await admin.connect();
    const topics = [
      { topic, numPartitions: scale.partitions },
      { topic: dlqTopic, numPartitions: 1 },
      ...(receiptsTopic ? [{ topic: receiptsTopic, numPartitions: o.receiptsPartitions ?? 2 }] : []),
    ];
    await retrying('creating the topics', async () => {
      const present = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !present.has(t.topic));
      if (missing.length > 0) await admin.createTopics({ waitForLeaders: true, topics: missing });
    });
    const first = await Promise.all(Array.from({ length: scale.instances.initial }, () => fleet.start()));
    // Both relays and every topic are checked at start: on a loaded 2-core machine that takes a while.
    await Promise.all(first.map((m) => fleet.waitReady(m, 120_000)));

    chaosStart = Date.now();
    sampler = startMetricsSampler({ members: () => fleet.running(), clock, file: path.join(reportDir, 'metrics.jsonl') });
    producer = await startEventProducer({
      kafka,
      topic,
      runId,
      prng: prng.fork('producer'),
      ratePerSecond: scale.ratePerSecond,
      invalidShare: scale.invalidShare,
      transactionShare: scale.transactionShare,
      partitions: () => runner.producerPartitions,
      log,
    });
    runner.schedule(schedule);
    await new Promise((resolve) => setTimeout(resolve, scale.chaosMs));
    const chaosMs = clock();

    log(`t+${(chaosMs / 1000).toFixed(1)}s  chaos over: producer stops, every fault heals`);
    await producer.stop();
    await runner.heal();
    await sink.setDown(false);
    sink.setLatency(0);
    sink.setFailureRate({ transient: 0, permanent: 0 });
    await fallbackSink?.setDown(false);
    fallbackSink?.setAuth(fallbackLogin);
    redis?.setDown(false);
    redis?.setLatency(0);
    if (!broker.up) await broker.start();
    while (fleet.running().length < scale.instances.initial) await fleet.start();

    const log1 = await retrying(`reading ${topic} back`, () => readLog(kafka, topic), { timeoutMs: 120_000 });
    log(`read back ${log1.length} records of ${topic} (read_committed)`);
    const dlqSeen = new Set<string>();
    dlqWatch = await retrying('watching the DLQ', () =>
      watchDlq({
        kafka,
        admin,
        topic: dlqTopic,
        groupId: `chaos-dlq-watch-${runId}`,
        fromBeginning: true,
        onRecord: (r) => r.eventId !== undefined && dlqSeen.add(r.eventId),
      }),
    );
    const drain = await waitForDrain({
      due: log1,
      settled: (id) => acceptedIds.has(id) || dlqSeen.has(id),
      offsets: () => readOffsets(admin, groupId, topic),
      timeoutMs: scale.drainMs,
      log,
    });
    log(
      `drain ${drain.drained ? 'complete' : `NOT complete (${drain.unsettled} unsettled)`} after ${(drain.waitedMs / 1000).toFixed(0)} s; stopping the instances`,
    );
    // Late duplicates (a send that was in flight somewhere) get a moment to arrive.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const closeAt = clock();
    const finalExits = await fleet.close(terminateGraceMs);
    sampler.stop();
    await dlqWatch.stop();

    const { entries: dlq } = await retrying(`reading ${dlqTopic}`, () => readDeadLetters(kafka, dlqTopic, topic), { timeoutMs: 120_000 });
    const partitions = await retrying('reading the committed and end offsets', () => readOffsets(admin, groupId, topic));
    const dlqReasonsAllowed = { smtpPermanent: false, retriesExhausted: retriesCouldExhaust(runner.failureWindows, SERVICE_SETTINGS.retry) };
    const history: ChaosHistory = {
      produced: producer.produced,
      log: log1,
      acceptedMessageIds: accepted,
      messageIdDomain: FROM_DOMAIN,
      dlq,
      partitions,
      dlqReasonsAllowed,
    };
    // The checker's whole input, to judge a run again offline (checkHistory(JSON.parse(…)) with offsets as bigint).
    writeFileSync(path.join(reportDir, 'history.json'), toJson(history));
    writeFileSync(path.join(reportDir, 'acceptances.json'), JSON.stringify(accepted.map((id, i) => [acceptedAt[i], id])));
    const verdict = checkHistory(history);
    const receipts = receiptsTopic
      ? await retrying(`reading ${receiptsTopic}`, () => readReceipts(kafka, receiptsTopic, log1), { timeoutMs: 120_000 })
      : undefined;
    if (receipts) writeFileSync(path.join(reportDir, 'receipts.json'), JSON.stringify(receipts));
    const settledIds = log1.flatMap((r) =>
      r.eventId !== undefined && (acceptedIds.has(r.eventId) || dlqSeen.has(r.eventId) || dlq.some((d) => d.eventId === r.eventId)) ? [r.eventId] : [],
    );
    const acceptances = new Map<string, number>();
    for (const id of accepted) {
      const eventId = /^<([^@>]+)@/.exec(id ?? '')?.[1];
      if (eventId !== undefined) acceptances.set(eventId, (acceptances.get(eventId) ?? 0) + 1);
    }
    const featureVerdict = checkFeatures({
      settled: settledIds,
      acceptances,
      ...(receipts ? { receipts } : {}),
      ...(features.clusterRate
        ? {
            rate: {
              limitPerSecond: scale.rateLimitPerSecond,
              acceptedAtMs: acceptedAt.filter((t) => t >= 0 && t <= closeAt),
              excluded: runner.redisWindows,
              inFlight: SERVICE_SETTINGS.workerCount * scale.instances.max,
            },
          }
        : {}),
    });

    const beyondTwo = copiesBeyondTwo(
      accepted.flatMap((id, i) => {
        const eventId = /^<([^@>]+)@/.exec(id ?? '')?.[1];
        return eventId === undefined ? [] : [[acceptedAt[i] ?? 0, eventId] as const];
      }),
      runner.applied,
      KAFKA_COMMIT_RECOVERY_MS,
    );
    const bound = duplicateBound({
      disruptions: [...runner.disruptions.map((d) => ({ ...d, members: membersAt(fleet.events, d.atMs) })), ...memberDisruptions(fleet.events, closeAt)],
      failureWindows: runner.failureWindows,
      brokerOutages: runner.brokerOutages,
      acceptedAtMs: acceptedAt,
      maxInstances: Math.max(scale.instances.max, peakMembers(fleet.events)),
      workerCount: SERVICE_SETTINGS.workerCount,
      commitIntervalMs: SERVICE_SETTINGS.commitIntervalMs,
      retryWindowMs: window,
      ledger: features.ledger,
      redisWindows: runner.redisWindows,
    });
    const result: ChaosResult = {
      seed: o.seed,
      scale: scale.name,
      features,
      runId,
      topic,
      groupId,
      reportDir,
      schedule,
      applied: runner.applied,
      fleetEvents: fleet.events,
      producer: { ...producer.stats },
      partitions: { start: scale.partitions, end: partitions.length },
      dlqReasonsAllowed,
      verdict,
      featureVerdict,
      bound,
      drain,
      finalExits,
      copiesAcrossKafkaFaults: beyondTwo.named,
      violations: [
        ...violations(verdict, { maxExtraCopies: bound.atLeastOnce, maxExtraMails: bound.mails }),
        ...featureViolations({ ...featureVerdict, sentMoreThanTwice: beyondTwo.unexplained }),
        ...exitViolations(fleet.events, runner.applied),
      ],
      chaosMs,
      durationMs: Date.now() - started,
    };
    writeFileSync(path.join(reportDir, 'report.json'), toJson({ ...result, produced: producer.produced.length, acceptances: accepted.length }));
    writeFileSync(path.join(reportDir, 'summary.txt'), `${summary(result)}\n`);
    return result;
  } finally {
    sampler?.stop();
    fleet.killAll();
    await producer?.stop().catch(() => undefined);
    await dlqWatch?.stop().catch(() => undefined);
    await runner.heal().catch(() => undefined);
    await sink.stop();
    await fallbackSink?.stop();
    await redis?.stop();
    await admin.disconnect().catch(() => undefined);
  }
}
