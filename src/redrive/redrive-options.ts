import { parseArgs } from 'node:util';

import { DLQ_REASONS, type DlqReason } from '../pipeline/outcome.js';
import { attachNegativeValues } from '../platform/cli-args.js';
import { RedriveUsageError } from '../platform/service-error.js';

/** Which DLQ records a run is about. Every field narrows; empty lists and undefined match anything. */
export interface RedriveSelection {
  /** `dlq.reason` is one of these. */
  readonly reasons: readonly DlqReason[];
  /** `dlq.failed.at` >= since (inclusive). */
  readonly since: Date | undefined;
  /** `dlq.failed.at` < until (exclusive). */
  readonly until: Date | undefined;
  /** `dlq.original.partition` is one of these. */
  readonly partitions: readonly number[];
  /** `dlq.original.offset` >= fromOffset (inclusive). */
  readonly fromOffset: bigint | undefined;
  /** `dlq.original.offset` <= toOffset (inclusive). */
  readonly toOffset: bigint | undefined;
  /** The event id in the record's value is one of these (one user's email). */
  readonly eventIds: readonly string[];
}

export interface RedriveOptions {
  readonly selection: RedriveSelection;
  /** Stop after this many records were redriven (or, in a dry run, would be). @default no limit */
  readonly limit: number | undefined;
  /** Refuse records already redriven this many times. @default 3 */
  readonly maxRedrives: number;
  /** Republished records per second; 0 = unlimited. @default 0 */
  readonly ratePerSecond: number;
  /** Give up when Kafka has not answered the first request within this long. @default 30 s */
  readonly connectTimeoutMs: number;
  /** List what would be redriven; publish and commit nothing. @default false */
  readonly dryRun: boolean;
  /** Consumer group that remembers how far this selection got. @default derived, see `redriveGroupId` */
  readonly group: string | undefined;
  /** @default KAFKA_DLQ_TOPIC */
  readonly dlqTopic: string | undefined;
  readonly help: boolean;
}

export const REDRIVE_USAGE = `Usage: redrive [options]

Re-publishes dead-lettered records from the DLQ topic (KAFKA_DLQ_TOPIC) to the topic named in their
dlq.original.topic header, with the original key, value and headers (dlq.* headers removed) and
dlq.redrive.count incremented. Reads the same environment as the service (KAFKA_BROKERS, SASL, TLS).
Stops at the end of the DLQ as it was when the run started.

Selection (all given filters must match; offsets and partitions are those of the ORIGINAL record):
  --reason <r>          dlq.reason: invalid_event | smtp_permanent | smtputf8_unsupported | retries_exhausted (repeatable)
  --since <iso>         dlq.failed.at at or after this time, e.g. 2025-01-01T00:00:00Z
  --until <iso>         dlq.failed.at before this time
  --partition <n>       dlq.original.partition (repeatable)
  --from-offset <n>     dlq.original.offset >= n
  --to-offset <n>       dlq.original.offset <= n
  --event-id <id>       the event with this eventId (repeatable)

Run:
  --dry-run             print what would be redriven; publish nothing, commit nothing
  --limit <n>           stop after n records redriven (a re-run continues after them)
  --max-redrives <n>    refuse records already redriven n times (loop guard; default 3)
  --rate <n>            at most n records per second (default: unlimited)
  --connect-timeout <s> give up when Kafka has not answered within s seconds (default 30)
  --group <id>          consumer group keeping this selection's position (default below)
  --dlq-topic <t>       default KAFKA_DLQ_TOPIC
  -h, --help

Position and resuming: every selection has its own consumer group, <KAFKA_GROUP_ID>.redrive without
filters and <KAFKA_GROUP_ID>.redrive.<fingerprint of the filters> with them. A real run commits past
each record once it is handled: redriven (after the broker acknowledged the copy), refused by the loop
guard, or not selected. Re-running the same command continues where the last one stopped; a run with
other filters uses another group and reads the whole DLQ again, so records an earlier run skipped are
never lost to a later one. --limit and --rate do not change the group. The fingerprint is stored with
the commits, and a --group last used with another selection is refused.

Exit codes: 0 done (refused records are listed but are not an error), 1 error (re-run to resume),
2 bad usage or configuration, 130 interrupted.`;

const OPTIONS = {
  reason: { type: 'string', multiple: true },
  since: { type: 'string' },
  until: { type: 'string' },
  partition: { type: 'string', multiple: true },
  'from-offset': { type: 'string' },
  'to-offset': { type: 'string' },
  'event-id': { type: 'string', multiple: true },
  limit: { type: 'string' },
  'max-redrives': { type: 'string' },
  rate: { type: 'string' },
  'connect-timeout': { type: 'string' },
  'dry-run': { type: 'boolean' },
  group: { type: 'string' },
  'dlq-topic': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const EVENT_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function parseRedriveArgs(argv: readonly string[]): RedriveOptions {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: attachNegativeValues(argv, OPTIONS), strict: true, allowPositionals: false, options: OPTIONS }));
  } catch (err) {
    throw new RedriveUsageError((err as Error).message);
  }
  const text = (name: string) => values[name] as string | undefined;
  const list = (name: string) => (values[name] as string[] | undefined) ?? [];

  const reasons = [...new Set(list('reason'))].map((reason) => {
    if (!(DLQ_REASONS as readonly string[]).includes(reason))
      throw new RedriveUsageError(`--reason: expected one of ${DLQ_REASONS.join(', ')}, got ${JSON.stringify(reason)}`);
    return reason as DlqReason;
  });
  const since = isoDate('--since', text('since'));
  const until = isoDate('--until', text('until'));
  if (since && until && since >= until) throw new RedriveUsageError('--until: must be later than --since');
  const partitions = [...new Set(list('partition').map((p) => integer('--partition', p, 0)))];
  const fromOffset = offset('--from-offset', text('from-offset'));
  const toOffset = offset('--to-offset', text('to-offset'));
  if (fromOffset !== undefined && toOffset !== undefined && fromOffset > toOffset) throw new RedriveUsageError('--to-offset: must be >= --from-offset');
  const eventIds = [...new Set(list('event-id'))].map((id) => {
    if (!EVENT_ID.test(id)) throw new RedriveUsageError(`--event-id: must match [A-Za-z0-9._-]{1,128}, got ${JSON.stringify(id)}`);
    return id;
  });
  const limitText = text('limit');
  const group = text('group');
  const dlqTopic = text('dlq-topic');
  if (group !== undefined && group.trim() === '') throw new RedriveUsageError('--group: must not be empty');
  if (dlqTopic !== undefined && dlqTopic.trim() === '') throw new RedriveUsageError('--dlq-topic: must not be empty');

  return {
    selection: { reasons, since, until, partitions, fromOffset, toOffset, eventIds },
    limit: limitText === undefined ? undefined : integer('--limit', limitText, 1),
    maxRedrives: integer('--max-redrives', text('max-redrives') ?? '3', 0),
    ratePerSecond: integer('--rate', text('rate') ?? '0', 0),
    connectTimeoutMs: integer('--connect-timeout', text('connect-timeout') ?? '30', 1) * 1000,
    dryRun: values['dry-run'] === true,
    group,
    dlqTopic,
    help: values.help === true,
  };
}

function integer(option: string, value: string, min: number): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new RedriveUsageError(`${option}: expected an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

function offset(option: string, value: string | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) throw new RedriveUsageError(`${option}: expected an offset (an integer >= 0), got ${JSON.stringify(value)}`);
  return BigInt(value.trim());
}

// A date, or a date-time with seconds and an offset or Z: anything looser is ambiguous about the zone.
const ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

function isoDate(option: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const ms = ISO.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new RedriveUsageError(
      `${option}: expected an ISO-8601 date or date-time with a zone (2025-01-01 or 2025-01-01T12:00:00Z), got ${JSON.stringify(value)}`,
    );
  return new Date(ms);
}
