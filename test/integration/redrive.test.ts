import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import type { KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';

import { signupEvent } from '../../dev/signup-event.js';
import { type SmtpSink, startSmtpSink } from '../../dev/smtp-sink.js';
import type { App } from '../../src/app.js';
import { toConsumedRecord } from '../../src/intake/to-consumed-record.js';
import type { ConsumedRecord, DlqReason } from '../../src/pipeline/outcome.js';
import { REDRIVE_ERROR_CODES } from '../../src/platform/service-error.js';
import { REDRIVE_COUNT_HEADER } from '../../src/redrive/dlq-record.js';
import { formatTable } from '../../src/redrive/format-report.js';
import { redriveGroupId } from '../../src/redrive/redrive-group.js';
import { parseRedriveArgs } from '../../src/redrive/redrive-options.js';
import type { RedriveRow } from '../../src/redrive/redrive-types.js';
import { runRedrive } from '../../src/redrive/run-redrive.js';
import { buildDlqMessage, DLQ_HEADERS } from '../../src/settle/publish/dlq-message.js';
import { committedLag, createWorld, metricValue, produceEvents, serviceEnv, startApp, until, type World } from '../support/app-harness.js';
import { consumeAll, readCommittedOffsets } from '../support/kafka.js';
import { type RedisServer, redisServerMissing, startRedisServer } from '../support/redis.js';

const brokers = () => inject('kafkaBrokers');
const silent = pino({ level: 'silent' });

let world: World;

beforeEach(async () => {
  world = await createWorld(brokers());
});

afterEach(async () => {
  await world.close();
});

interface DeadLetterSpec {
  readonly eventId: string;
  readonly reason?: DlqReason;
  readonly failedAt?: string;
  readonly partition?: number;
  readonly offset?: number;
  readonly redriveCount?: number;
}

/** Writes DLQ records exactly as the service's DLQ publisher builds them. */
async function deadLetter(specs: readonly DeadLetterSpec[], { topic = world.dlqTopic, partition }: { topic?: string; partition?: number } = {}): Promise<void> {
  const messages = specs.map(({ eventId, reason = 'retries_exhausted', failedAt = '2025-01-01T12:00:00.000Z', partition = 0, offset = 0, redriveCount }) => {
    const headers: Record<string, Buffer> = { 'trace-id': Buffer.from(`trace-${eventId}`) };
    if (redriveCount !== undefined) headers[REDRIVE_COUNT_HEADER] = Buffer.from(String(redriveCount));
    const message = {
      key: Buffer.from(`user-${eventId}`),
      value: Buffer.from(JSON.stringify(signupEvent(eventId))),
      headers,
      timestamp: '1700000000000',
      attributes: 0,
      offset: String(offset),
    };
    const consumed: ConsumedRecord = toConsumedRecord(message as unknown as KafkaMessage, { topic: world.topic, partition, offset: BigInt(offset), epoch: 1 });
    const outcome = {
      kind: 'dead-letter',
      reason,
      error: '550 5.1.1 mailbox unavailable',
      smtpCode: 550,
      attempts: reason === 'retries_exhausted' ? 4 : 1,
    } as const;
    return buildDlqMessage(consumed, outcome, { groupId: world.groupId, failedAt: new Date(failedAt) });
  });
  await world.producer.send({ topic, acks: -1, messages: messages.map((m) => (partition === undefined ? m : { ...m, partition })) });
}

/** Runs the redrive as `cmd/redrive.ts` would with these arguments, in process. */
async function redrive(args: readonly string[], { onRow, signal }: { onRow?: (row: RedriveRow) => void; signal?: AbortSignal } = {}) {
  const options = parseRedriveArgs(args);
  const group = options.group ?? redriveGroupId(world.groupId, options.selection);
  const rows: RedriveRow[] = [];
  const summary = await runRedrive({
    kafka: world.kafka,
    options: { ...options, group, dlqTopic: options.dlqTopic ?? world.dlqTopic },
    logger: silent,
    signal,
    onRow: (row) => {
      rows.push(row);
      onRow?.(row);
    },
  });
  return { summary, rows, group };
}

async function republished(expected = 0) {
  return consumeAll(world.brokers, world.topic, { expected });
}

const eventIdOf = (value: string | null) => (JSON.parse(value ?? '{}') as { eventId?: string }).eventId;

describe('DLQ redrive on a real broker', () => {
  it('when run with --dry-run › lists what it would redrive and publishes and commits nothing', async () => {
    await deadLetter([{ eventId: 'd-1' }, { eventId: 'd-2', reason: 'smtp_permanent' }, { eventId: 'd-3', redriveCount: 3 }]);
    const { summary, rows, group } = await redrive(['--dry-run']);
    expect(summary.stoppedBy).toBe('end');
    expect(summary.redriven).toBe(2);
    expect(rows.map((r) => [r.record.eventId, r.action, r.why])).toEqual([
      ['d-1', 'would-redrive', undefined],
      ['d-2', 'would-redrive', undefined],
      ['d-3', 'refused', 'max-redrives'],
    ]);
    expect(await republished()).toEqual([]);
    expect(await readCommittedOffsets(world.brokers, group, world.dlqTopic)).toEqual({ 0: -1 });
    const { groups } = await world.admin.listGroups();
    expect(groups.filter((g) => g.groupId.startsWith(`${group}.dry-run`))).toEqual([]);
  });

  it('with --event-id › finds that one event among the others, and the dry-run table shows its reason, SMTP code and error', async () => {
    await deadLetter([{ eventId: 'f-1' }, { eventId: 'f-2', reason: 'smtp_permanent' }, { eventId: 'f-3' }]);
    const { summary, rows } = await redrive(['--dry-run', '--event-id', 'f-2']);
    expect(summary).toMatchObject({ stoppedBy: 'end', examined: 3, redriven: 1, skipped: 2 });
    const chosen = rows.filter((r) => r.action === 'would-redrive');
    expect(chosen.map((r) => [r.record.eventId, r.record.reason, r.record.smtpCode, r.record.error])).toEqual([
      ['f-2', 'smtp_permanent', 550, '550 5.1.1 mailbox unavailable'],
    ]);
    const table = formatTable(chosen).split('\n');
    expect(table[0]).toMatch(/reason\s+smtp\s+eventId.*error$/);
    expect(table[2]).toMatch(/smtp_permanent\s+550\s+f-2.*550 5\.1\.1 mailbox unavailable$/);
    expect(await republished()).toEqual([]);
  });

  it('when run for real › republishes to the original topic and partition with key, value and headers, dlq.* removed, count 1', async () => {
    await deadLetter([{ eventId: 'r-1', partition: 2, offset: 41 }]);
    const { summary, group } = await redrive([]);
    expect(summary.redriven).toBe(1);
    const [copy] = await republished(1);
    expect(copy).toMatchObject({ partition: 2, key: 'user-r-1', headers: { 'trace-id': 'trace-r-1', [REDRIVE_COUNT_HEADER]: '1' } });
    expect(eventIdOf(copy?.value ?? null)).toBe('r-1');
    expect(Object.keys(copy?.headers ?? {}).filter((name) => name.startsWith('dlq.'))).toEqual([REDRIVE_COUNT_HEADER]);
    expect(await readCommittedOffsets(world.brokers, group, world.dlqTopic)).toEqual({ 0: 1 });
  });

  it('with --reason and a --since/--until window › redrives exactly the records that match both', async () => {
    await deadLetter([
      { eventId: 'early', failedAt: '2025-01-01T09:59:59.999Z' },
      { eventId: 'in-1', failedAt: '2025-01-01T10:00:00.000Z' },
      { eventId: 'other-reason', reason: 'smtp_permanent', failedAt: '2025-01-01T10:30:00.000Z' },
      { eventId: 'in-2', failedAt: '2025-01-01T10:59:59.999Z' },
      { eventId: 'late', failedAt: '2025-01-01T11:00:00.000Z' },
    ]);
    const { summary, rows } = await redrive(['--reason', 'retries_exhausted', '--since', '2025-01-01T10:00:00Z', '--until', '2025-01-01T11:00:00Z']);
    expect(summary).toMatchObject({ stoppedBy: 'end', examined: 5, redriven: 2, skipped: 3 });
    expect(rows.filter((r) => r.action === 'skipped').map((r) => [r.record.eventId, r.why])).toEqual([
      ['early', 'failed-at'],
      ['other-reason', 'reason'],
      ['late', 'failed-at'],
    ]);
    expect((await republished(2)).map((m) => eventIdOf(m.value)).sort()).toEqual(['in-1', 'in-2']);
  });

  it('with --partition and --from-offset/--to-offset › selects by the original partition and offsets, inclusive', async () => {
    await deadLetter([
      { eventId: 'p0-5', partition: 0, offset: 5 },
      { eventId: 'p1-4', partition: 1, offset: 4 },
      { eventId: 'p1-5', partition: 1, offset: 5 },
      { eventId: 'p1-7', partition: 1, offset: 7 },
      { eventId: 'p1-8', partition: 1, offset: 8 },
    ]);
    const { summary } = await redrive(['--partition', '1', '--from-offset', '5', '--to-offset', '7']);
    expect(summary).toMatchObject({ redriven: 2, skipped: 3 });
    expect((await republished(2)).map((m) => eventIdOf(m.value)).sort()).toEqual(['p1-5', 'p1-7']);
  });

  it('when a run skipped records › a run with other filters still finds them (its own group)', async () => {
    await deadLetter([
      { eventId: 'a', reason: 'retries_exhausted' },
      { eventId: 'b', reason: 'smtp_permanent' },
    ]);
    const first = await redrive(['--reason', 'retries_exhausted']);
    const second = await redrive(['--reason', 'smtp_permanent']);
    expect(first.group).not.toBe(second.group);
    expect([first.summary.redriven, second.summary.redriven]).toEqual([1, 1]);
    expect((await republished(2)).map((m) => eventIdOf(m.value)).sort()).toEqual(['a', 'b']);
  });

  it('with --max-redrives 3 › refuses a record already redriven 3 times, redrives one at 2, and reports the refusal', async () => {
    await deadLetter([
      { eventId: 'at-limit', redriveCount: 3 },
      { eventId: 'below', redriveCount: 2 },
    ]);
    const { summary, group } = await redrive(['--max-redrives', '3']);
    expect(summary.redriven).toBe(1);
    expect(summary.refused.map((r) => [r.record.eventId, r.why])).toEqual([['at-limit', 'max-redrives']]);
    const [copy] = await republished(1);
    expect(copy?.headers[REDRIVE_COUNT_HEADER]).toBe('3');
    expect(eventIdOf(copy?.value ?? null)).toBe('below');
    expect(await readCommittedOffsets(world.brokers, group, world.dlqTopic)).toEqual({ 0: 2 });
  });

  it('when stopped by --limit › a second run continues after the last redriven record and a third finds nothing', async () => {
    const ids = ['s-1', 's-2', 's-3', 's-4', 's-5'];
    await deadLetter(ids.map((eventId) => ({ eventId })));
    const first = await redrive(['--limit', '2']);
    expect(first.summary).toMatchObject({ stoppedBy: 'limit', redriven: 2 });
    expect(await readCommittedOffsets(world.brokers, first.group, world.dlqTopic)).toEqual({ 0: 2 });
    const second = await redrive(['--limit', '10']);
    expect(second.summary).toMatchObject({ stoppedBy: 'end', redriven: 3 });
    expect(second.rows.map((r) => r.record.eventId)).toEqual(['s-3', 's-4', 's-5']);
    const third = await redrive([]);
    expect(third.summary).toMatchObject({ stoppedBy: 'end', examined: 0, redriven: 0 });
    expect((await republished(5)).map((m) => eventIdOf(m.value)).sort()).toEqual(ids);
  });

  it('when interrupted mid-run › keeps what it committed and a re-run redrives the rest, none twice', async () => {
    const ids = ['i-1', 'i-2', 'i-3', 'i-4', 'i-5'];
    await deadLetter(ids.map((eventId) => ({ eventId })));
    const interrupt = new AbortController();
    const first = await redrive(['--rate=4'], {
      signal: interrupt.signal,
      onRow: (row) => row.record.eventId === 'i-2' && interrupt.abort(new Error('SIGTERM')),
    });
    expect(first.summary).toMatchObject({ stoppedBy: 'interrupted', redriven: 2 });
    expect(await readCommittedOffsets(world.brokers, first.group, world.dlqTopic)).toEqual({ 0: 2 });
    const second = await redrive([]);
    expect(second.summary).toMatchObject({ stoppedBy: 'end', redriven: 3 });
    expect((await republished(5)).map((m) => eventIdOf(m.value)).sort()).toEqual(ids);
  });

  it('with a DLQ of 3 partitions, one of them empty › reads each to its end, commits each, and stops', async () => {
    const dlqTopic = `${world.dlqTopic}-3p`;
    await world.admin.createTopics({ waitForLeaders: true, topics: [{ topic: dlqTopic, numPartitions: 3 }] });
    await deadLetter([{ eventId: 'p0-a' }, { eventId: 'p0-b' }], { topic: dlqTopic, partition: 0 });
    await deadLetter([{ eventId: 'p2-a' }], { topic: dlqTopic, partition: 2 });
    const { summary, group } = await redrive([`--dlq-topic=${dlqTopic}`]);
    expect(summary).toMatchObject({ stoppedBy: 'end', redriven: 3 });
    expect(await readCommittedOffsets(world.brokers, group, dlqTopic)).toEqual({ 0: 2, 1: -1, 2: 1 });
    expect((await republished(3)).map((m) => eventIdOf(m.value)).sort()).toEqual(['p0-a', 'p0-b', 'p2-a']);
  });

  it('when a record is dead-lettered during the run › stops at the end as of the start and leaves it for the next run', async () => {
    await deadLetter([{ eventId: 'before-1' }, { eventId: 'before-2' }, { eventId: 'before-3' }]);
    let late: Promise<void> | undefined;
    const first = await redrive(['--rate=5'], { onRow: () => void (late ??= deadLetter([{ eventId: 'during' }])) });
    await late;
    expect(first.summary).toMatchObject({ stoppedBy: 'end', examined: 3 });
    const second = await redrive([]);
    expect(second.rows.map((r) => r.record.eventId)).toEqual(['during']);
  });

  it('when --group was used with another selection › refuses to start and publishes nothing', async () => {
    await deadLetter([{ eventId: 'g-1' }, { eventId: 'g-2', reason: 'smtp_permanent' }]);
    await redrive(['--group', `${world.groupId}.manual`, '--reason', 'retries_exhausted']);
    const { summary } = await redrive(['--group', `${world.groupId}.manual`, '--reason', 'smtp_permanent']);
    expect(summary.stoppedBy).toBe('error');
    expect(summary.error).toMatchObject({ code: REDRIVE_ERROR_CODES.groupMismatch });
    expect(await republished(1)).toHaveLength(1);
  });

  it('as a command › prints the dry-run table and summary and exits 0', async () => {
    await deadLetter([{ eventId: 'cli-1', failedAt: '2025-03-04T05:06:07.000Z' }]);
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'cmd/redrive.ts', '--dry-run'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        KAFKA_BROKERS: world.brokers.join(','),
        KAFKA_DLQ_TOPIC: world.dlqTopic,
        KAFKA_GROUP_ID: world.groupId,
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(
      /0\/0\s+would-redrive\s+retries_exhausted\s+550\s+cli-1\s+2025-03-04T05:06:07\.000Z\s+4\s+0\s+signups-\S+\s+550 5\.1\.1 mailbox unavailable/,
    );
    expect(stdout).toMatch(/would redrive\s+1\n/);
    expect(stdout).not.toContain('@example.test');
  });
});

const redisMissing = redisServerMissing();

describe.skipIf(redisMissing !== undefined)(`dead-lettered events redriven into the real service${redisMissing ? ` (skipped: ${redisMissing})` : ''}`, () => {
  let sink: SmtpSink;
  let redis: RedisServer;
  let app: App | undefined;

  beforeEach(async () => {
    sink = await startSmtpSink();
    redis = await startRedisServer();
  });

  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await sink.stop();
    await redis.stop();
  });

  it('when SMTP refused them with 550 and later accepts › each event is delivered exactly once, even when redriven twice', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `dead-${i}`);
    sink.setFailureRate({ permanent: 1 });
    await produceEvents(world, ids);
    app = await startApp(serviceEnv(world, sink.port, { IDEMPOTENCY_REDIS_URL: redis.url }));
    const dead = await consumeAll(world.brokers, world.dlqTopic, { expected: ids.length, timeoutMs: 60_000 });
    expect(dead.map((m) => m.headers[DLQ_HEADERS.reason])).toEqual(ids.map(() => 'smtp_permanent'));
    await until(async () => (await committedLag(world)) === 0, { what: 'service committed every dead-lettered event' });
    expect(sink.count).toBe(0);

    sink.setFailureRate({ permanent: 0 });
    const first = await redrive(['--reason', 'smtp_permanent', '--rate', '50']);
    expect(first.summary).toMatchObject({ stoppedBy: 'end', redriven: ids.length, refused: [] });
    await sink.waitFor(ids.length, { timeoutMs: 60_000 });

    // An operator redrives the same records again under another group: the ledger skips them.
    const second = await redrive(['--group', `${world.groupId}.again`]);
    expect(second.summary.redriven).toBe(ids.length);
    const live = app;
    await until(async () => (await metricValue(live, 'email_dispatcher_duplicates_skipped_total')) === ids.length, {
      what: 'second redrive skipped as duplicates',
    });
    await until(async () => (await committedLag(world)) === 0, { what: 'service committed the redriven events' });

    expect(sink.count).toBe(ids.length);
    expect(sink.duplicates).toBe(0);
    expect(new Set(sink.received.map((m) => m.messageId))).toEqual(new Set(ids.map((id) => `<${id}@acme.test>`)));
    expect(await metricValue(live, 'email_dispatcher_emails_sent_total')).toBe(ids.length);
    // Re-running the first command finds nothing new: nothing failed again.
    expect((await redrive(['--reason', 'smtp_permanent'])).summary).toMatchObject({ examined: 0, redriven: 0 });
  });
});
