import { readFileSync } from 'node:fs';
import convict from 'convict';

/**
 * The service's whole configuration contract. Every key is read from exactly one environment
 * variable (named in `env`); `configEnvNames()` lists them for the manifest/compose checks.
 */
const schema = {
  kafka: {
    brokers: { doc: 'Comma-separated host:port list', format: 'broker-list', default: [] as string[], env: 'KAFKA_BROKERS' },
    clientId: { doc: 'Kafka client id', format: 'nonempty-string', default: 'email-dispatcher', env: 'KAFKA_CLIENT_ID' },
    groupId: { doc: 'Consumer group id', format: 'nonempty-string', default: 'email-dispatcher', env: 'KAFKA_GROUP_ID' },
    topic: { doc: 'Sign-up event topic', format: 'nonempty-string', default: 'user-signups', env: 'KAFKA_TOPIC' },
    dlqTopic: { doc: 'Dead-letter topic', format: 'nonempty-string', default: 'user-signups.dlq', env: 'KAFKA_DLQ_TOPIC' },
    fromBeginning: { doc: 'Where a group with no committed offset starts (true = earliest, so nothing is skipped)', format: Boolean, default: true, env: 'KAFKA_FROM_BEGINNING' },
    sessionTimeoutMs: { doc: 'Consumer group session timeout', format: 'positive-int', default: 30_000, env: 'KAFKA_SESSION_TIMEOUT_MS' },
    heartbeatIntervalMs: { doc: 'Consumer heartbeat interval', format: 'positive-int', default: 3_000, env: 'KAFKA_HEARTBEAT_INTERVAL_MS' },
    commitIntervalMs: { doc: 'Least time between two offset commits (commits follow settled messages, one in flight)', format: 'non-negative-int', default: 50, env: 'KAFKA_COMMIT_INTERVAL_MS' },
    maxAheadPerPartition: { doc: 'Offsets a partition may hold admitted past an unsettled one before it is paused', format: 'positive-int', default: 10_000, env: 'KAFKA_MAX_AHEAD_PER_PARTITION' },
    dlqPublishStallMs: { doc: 'A DLQ publish not acknowledged after this long is reported stalled', format: 'positive-int', default: 60_000, env: 'DLQ_PUBLISH_STALL_MS' },
    ssl: { doc: 'Use TLS to the brokers', format: Boolean, default: false, env: 'KAFKA_SSL' },
    sslCaFile: { doc: 'PEM file with the CA for the brokers (optional)', format: String, default: '', env: 'KAFKA_SSL_CA_FILE' },
    sslRejectUnauthorized: { doc: 'Verify the brokers\u2019 certificates', format: Boolean, default: true, env: 'KAFKA_SSL_REJECT_UNAUTHORIZED' },
    saslMechanism: { doc: 'SASL mechanism', format: ['', 'plain', 'scram-sha-256', 'scram-sha-512'] as const, default: '', env: 'KAFKA_SASL_MECHANISM' },
    saslUsername: { doc: 'SASL user', format: String, default: '', env: 'KAFKA_SASL_USERNAME' },
    saslPassword: { doc: 'SASL password (or KAFKA_SASL_PASSWORD_FILE)', format: String, default: '', sensitive: true, env: 'KAFKA_SASL_PASSWORD' },
  },
  smtp: {
    host: { doc: 'SMTP server host', format: 'nonempty-string', default: '', env: 'SMTP_HOST' },
    port: { doc: 'SMTP server port', format: 'port', default: 587, env: 'SMTP_PORT' },
    secure: { doc: 'Implicit TLS (port 465 style)', format: Boolean, default: false, env: 'SMTP_SECURE' },
    requireTls: { doc: 'Refuse to send unless STARTTLS succeeds', format: Boolean, default: false, env: 'SMTP_REQUIRE_TLS' },
    tlsRejectUnauthorized: { doc: 'Verify the SMTP server certificate', format: Boolean, default: true, env: 'SMTP_TLS_REJECT_UNAUTHORIZED' },
    user: { doc: 'SMTP user (optional)', format: String, default: '', env: 'SMTP_USER' },
    pass: { doc: 'SMTP password (or SMTP_PASS_FILE)', format: String, default: '', sensitive: true, env: 'SMTP_PASS' },
    timeoutMs: { doc: 'Connection, greeting and socket timeout, each applied per phase and per command', format: 'positive-int', default: 30_000, env: 'SMTP_TIMEOUT_MS' },
    // 60 s: twice SMTP_TIMEOUT_MS, so one phase may use its whole timeout and the rest of a normal
    // exchange (well under a second) still fits; half the default lease, leaving the ledger's Redis
    // calls ample margin. A server slower than this for every message is treated as failing.
    sendTimeoutMs: { doc: 'Deadline for one whole send (all phases); the send is aborted and its connection closed', format: 'positive-int', default: 60_000, env: 'SMTP_SEND_TIMEOUT_MS' },
    breakerThreshold: { doc: 'Consecutive server-level failures (refused, timeout, 421) that open the circuit', format: 'positive-int', default: 5, env: 'SMTP_BREAKER_THRESHOLD' },
    breakerProbeIntervalMs: { doc: 'While the circuit is open, how often the server is probed', format: 'positive-int', default: 5_000, env: 'SMTP_BREAKER_PROBE_INTERVAL_MS' },
  },
  email: {
    from: { doc: 'From address, e.g. "Acme <welcome@acme.test>"', format: 'from-address', default: '', env: 'EMAIL_FROM' },
    workerCount: { doc: 'Concurrent SMTP sends (and pooled connections)', format: 'positive-int', default: 10, env: 'EMAIL_WORKER_COUNT' },
    workerBuffer: { doc: 'Messages held in process (queued + in flight + waiting to retry)', format: 'positive-int', default: 100, env: 'EMAIL_WORKER_BUFFER' },
    maxRetries: { doc: 'Retries after the first attempt for transient failures', format: 'non-negative-int', default: 3, env: 'EMAIL_MAX_RETRIES' },
    retryDelaysMs: { doc: 'Delay before each retry; a shorter list repeats its last delay', format: 'duration-list', default: [1_000, 5_000, 10_000], env: 'EMAIL_RETRY_DELAYS_MS' },
    rateLimitPerSecond: { doc: 'Max sends started per second (0 = off)', format: 'non-negative-int', default: 0, env: 'EMAIL_RATE_LIMIT_PER_SECOND' },
  },
  idempotency: {
    redisUrl: { doc: 'Redis URL for the sent ledger (empty = off)', format: String, default: '', sensitive: true, env: 'IDEMPOTENCY_REDIS_URL' },
    ttlSeconds: { doc: 'How long a sent eventId is remembered', format: 'positive-int', default: 604_800, env: 'IDEMPOTENCY_TTL_SECONDS' },
    leaseMs: { doc: 'Claim lease while a send is in progress (must outlive SMTP_SEND_TIMEOUT_MS)', format: 'positive-int', default: 120_000, env: 'IDEMPOTENCY_LEASE_MS' },
    strict: { doc: 'Pause instead of sending when Redis is unreachable', format: Boolean, default: false, env: 'IDEMPOTENCY_STRICT' },
  },
  http: {
    port: { doc: 'Port for /metrics, /readyz, /livez', format: 'port', default: 9464, env: 'HTTP_PORT' },
  },
  shutdownTimeoutMs: { doc: 'Time for in-flight sends and due retries to finish on shutdown', format: 'positive-int', default: 25_000, env: 'SHUTDOWN_TIMEOUT_MS' },
  livenessStallMs: { doc: 'No progress for this long while work is pending fails /livez', format: 'positive-int', default: 300_000, env: 'LIVENESS_STALL_MS' },
  logLevel: { doc: 'pino log level', format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, default: 'info', env: 'LOG_LEVEL' },
};

/** Secrets that may also be read from a file named by `<NAME>_FILE` (Kubernetes secret volumes). */
const FILE_SECRETS = ['SMTP_PASS', 'KAFKA_SASL_PASSWORD', 'IDEMPOTENCY_REDIS_URL'] as const;

/** A schema leaf's value: one of an enum format's values, else its default's type, widened. */
type LeafValue<L> = L extends { format: readonly (infer U)[] } ? U : L extends { default: infer D } ? Widen<D> : never;
type Widen<D> = D extends boolean ? boolean : D extends number ? number : D extends string ? string : D extends readonly (infer E)[] ? readonly Widen<E>[] : D;
type ConfigOf<S> = { readonly [K in keyof S]: S[K] extends { env: string } ? LeafValue<S[K]> : ConfigOf<S[K]> };

/** The validated, frozen configuration: derived from the schema, never written twice. */
export type Config = ConfigOf<typeof schema>;

/** Thrown by `loadConfig`; `problems` holds one line per bad variable, each naming it. */
export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/;
// `Name <local@domain>` or a bare address; the domain is needed for deterministic Message-IDs.
const FROM = /^(?:[^<>\r\n]*<[^<>@\s"]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)>|[^<>@\s"]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+))$/;

function splitList(value: unknown): unknown {
  return typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : value;
}

convict.addFormats({
  'broker-list': {
    validate(value: unknown) {
      if (!Array.isArray(value) || value.length === 0) throw new Error('expected a comma-separated list of host:port, e.g. "kafka-0:9092,kafka-1:9092"');
      for (const item of value) {
        if (typeof item !== 'string' || !HOST_PORT.test(item)) throw new Error(`expected host:port entries, got "${String(item)}"`);
      }
    },
    coerce: splitList,
  },
  'duration-list': {
    validate(value: unknown) {
      if (!Array.isArray(value) || value.length === 0 || value.some((n) => !Number.isInteger(n) || n < 0)) {
        throw new Error('expected a comma-separated list of non-negative integer milliseconds, e.g. "1000,5000,10000"');
      }
    },
    coerce: (value: unknown) => {
      const list = splitList(value);
      return Array.isArray(list) ? list.map((s) => (/^\d+$/.test(String(s)) ? Number(s) : Number.NaN)) : list;
    },
  },
  'nonempty-string': {
    validate(value: unknown) {
      if (typeof value !== 'string' || value.trim() === '') throw new Error('is required and must not be empty');
    },
  },
  'from-address': {
    validate(value: unknown) {
      if (typeof value !== 'string' || !FROM.test(value)) throw new Error('expected an address like "Acme <welcome@acme.test>" or "welcome@acme.test"');
    },
  },
  'positive-int': {
    validate(value: unknown) {
      if (!Number.isSafeInteger(value) || (value as number) < 1) throw new Error('expected an integer >= 1');
    },
    coerce: (v: unknown) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : typeof v === 'string' ? Number.NaN : v),
  },
  'non-negative-int': {
    validate(value: unknown) {
      if (!Number.isSafeInteger(value) || (value as number) < 0) throw new Error('expected an integer >= 0');
    },
    coerce: (v: unknown) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : typeof v === 'string' ? Number.NaN : v),
  },
});

type SchemaNode = { env?: string; sensitive?: boolean; [k: string]: unknown };

function walk(node: Record<string, unknown>, prefix: string, out: Map<string, SchemaNode>): Map<string, SchemaNode> {
  for (const [key, value] of Object.entries(node)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const child = value as SchemaNode;
    if (typeof child.env === 'string') out.set(path, child);
    else walk(child as Record<string, unknown>, path, out);
  }
  return out;
}

const LEAVES = walk(schema, '', new Map());

/** Every environment variable the service reads, including the `_FILE` twins of secrets. */
export function configEnvNames(): string[] {
  return [...[...LEAVES.values()].map((leaf) => leaf.env as string), ...FILE_SECRETS.map((name) => `${name}_FILE`)];
}

/** The variables that have no usable default and must be set. */
export const REQUIRED_ENV = ['KAFKA_BROKERS', 'SMTP_HOST', 'EMAIL_FROM'] as const;

const BOOLEAN_ENV = new Set([...LEAVES.values()].filter((leaf) => leaf.format === Boolean).map((leaf) => leaf.env as string));

/** Rules between variables, each naming the variable to change; run once every variable is valid on its own. */
const CROSS_RULES: ReadonlyArray<(c: Config) => string | undefined> = [
  ({ kafka, email }) =>
    kafka.maxAheadPerPartition < email.workerBuffer ? `KAFKA_MAX_AHEAD_PER_PARTITION: must be >= EMAIL_WORKER_BUFFER (${email.workerBuffer}), got ${kafka.maxAheadPerPartition}` : undefined,
  ({ email }) => (email.workerBuffer < email.workerCount ? `EMAIL_WORKER_BUFFER: must be >= EMAIL_WORKER_COUNT (${email.workerCount}), got ${email.workerBuffer}` : undefined),
  ({ kafka }) =>
    kafka.saslMechanism !== '' && (kafka.saslUsername === '' || kafka.saslPassword === '')
      ? 'KAFKA_SASL_USERNAME: KAFKA_SASL_MECHANISM is set, so KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required'
      : undefined,
  ({ smtp }) => ((smtp.user === '') !== (smtp.pass === '') ? 'SMTP_USER: SMTP_USER and SMTP_PASS must be set together' : undefined),
  // A deadline shorter than one phase's timeout would make that timeout unreachable for sends, and hide
  // a per-phase ETIMEDOUT behind ESENDTIMEOUT.
  ({ smtp }) => (smtp.sendTimeoutMs < smtp.timeoutMs ? `SMTP_SEND_TIMEOUT_MS: must be >= SMTP_TIMEOUT_MS (${smtp.timeoutMs}), got ${smtp.sendTimeoutMs}` : undefined),
  // SMTP_TIMEOUT_MS applies per phase, so one send can last several of them; only the whole-send
  // deadline bounds how long a claim must hold before another instance may send the same email.
  ({ idempotency, smtp }) =>
    idempotency.redisUrl !== '' && idempotency.leaseMs <= smtp.sendTimeoutMs
      ? `IDEMPOTENCY_LEASE_MS: must be longer than SMTP_SEND_TIMEOUT_MS (${smtp.sendTimeoutMs}), got ${idempotency.leaseMs}`
      : undefined,
];

/**
 * Reads, validates and freezes the configuration from `env`. Throws `ConfigError` with one line per
 * bad variable; never echoes a secret's value.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const resolved: Record<string, string> = {};
  for (const leaf of LEAVES.values()) {
    const name = leaf.env as string;
    const value = env[name];
    if (value !== undefined) resolved[name] = value;
  }
  // Variables already reported here are skipped when convict's messages are read below.
  const reported = new Set<string>();
  // A line break would split a problem line, and convict's message is parsed line by line: a value
  // like "k:9092\nSMTP_PASS: x" would otherwise forge a problem line that echoes SMTP_PASS.
  for (const leaf of LEAVES.values()) {
    const name = leaf.env as string;
    const value = resolved[name];
    if (value !== undefined && !leaf.sensitive && /[\r\n]/.test(value)) {
      problems.push(`${name}: must not contain line breaks`);
      reported.add(name);
      delete resolved[name];
    }
  }
  for (const name of FILE_SECRETS) {
    const file = env[`${name}_FILE`];
    if (file === undefined || file === '') continue;
    if (env[name] !== undefined && env[name] !== '') {
      problems.push(`${name}: set either ${name} or ${name}_FILE, not both`);
      continue;
    }
    try {
      resolved[name] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      problems.push(`${name}_FILE: cannot read ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  // app.ts reads the CA file at startup; an unreadable path must fail here, named, not as a stack trace.
  const caFile = resolved.KAFKA_SSL_CA_FILE;
  if (caFile !== undefined && caFile !== '' && !reported.has('KAFKA_SSL_CA_FILE')) {
    try {
      readFileSync(caFile);
    } catch (err) {
      problems.push(`KAFKA_SSL_CA_FILE: cannot read ${JSON.stringify(caFile)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  // convict's Boolean format accepts anything truthy; be strict so "ture" is an error, not true.
  for (const name of BOOLEAN_ENV) {
    const value = resolved[name];
    if (value !== undefined && !/^(true|false|1|0)$/i.test(value)) {
      problems.push(`${name}: expected true or false, got ${JSON.stringify(value)}`);
      reported.add(name);
      delete resolved[name];
    }
  }

  const config = convict(schema as never, { env: resolved, args: [] });
  try {
    config.validate({ allowed: 'strict' });
  } catch (err) {
    for (const line of String((err as Error).message).split('\n')) {
      const match = /^([\w.]+): (.*)$/.exec(line.trim());
      if (!match) continue;
      const leaf = LEAVES.get(match[1] as string);
      const name = leaf?.env ?? (match[1] as string);
      if (reported.has(name)) continue;
      // convict appends ": value was <coerced>"; show the raw variable instead, and never a secret.
      // Only a known, non-secret leaf has its value shown, JSON-quoted so it stays on one line.
      const detail = (match[2] as string).replace(/: value was .*$/, '').replace(/, got .*$/, '');
      const raw = leaf && !leaf.sensitive ? resolved[name] : undefined;
      problems.push(`${name}: ${detail}${raw === undefined ? '' : `, got ${JSON.stringify(raw)}`}`);
    }
  }
  const props = problems.length === 0 ? (config.getProperties() as unknown as Config) : undefined;
  if (props) for (const rule of CROSS_RULES) problems.push(...[rule(props)].filter((p): p is string => p !== undefined));
  if (problems.length > 0 || !props) throw new ConfigError(problems);
  return deepFreeze(props);
}

/** The domain part of EMAIL_FROM, used for deterministic Message-IDs. */
export function fromDomain(from: string): string {
  const match = FROM.exec(from);
  const domain = match?.[1] ?? match?.[2];
  if (!domain) throw new Error('EMAIL_FROM has no domain');
  return domain.toLowerCase();
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
