/**
 * The service's whole configuration contract. Every key is read from exactly one environment
 * variable (named in `env`); `configEnvNames()` lists them for the manifest/compose checks.
 */
export const schema = {
  kafka: {
    brokers: { doc: 'Comma-separated host:port list', format: 'broker-list', default: [] as string[], env: 'KAFKA_BROKERS' },
    clientId: { doc: 'Kafka client id', format: 'nonempty-string', default: 'email-dispatcher', env: 'KAFKA_CLIENT_ID' },
    groupId: { doc: 'Consumer group id', format: 'nonempty-string', default: 'email-dispatcher', env: 'KAFKA_GROUP_ID' },
    topic: { doc: 'Sign-up event topic', format: 'nonempty-string', default: 'user-signups', env: 'KAFKA_TOPIC' },
    dlqTopic: { doc: 'Dead-letter topic', format: 'nonempty-string', default: 'user-signups.dlq', env: 'KAFKA_DLQ_TOPIC' },
    receiptsTopic: { doc: 'Delivery receipts topic, one receipt per settled event (empty = off)', format: String, default: '', env: 'KAFKA_RECEIPTS_TOPIC' },
    fromBeginning: {
      doc: 'Where a group with no committed offset starts (true = earliest, so nothing is skipped)',
      format: Boolean,
      default: true,
      env: 'KAFKA_FROM_BEGINNING',
    },
    sessionTimeoutMs: { doc: 'Consumer group session timeout', format: 'positive-int', default: 30_000, env: 'KAFKA_SESSION_TIMEOUT_MS' },
    heartbeatIntervalMs: { doc: 'Consumer heartbeat interval', format: 'positive-int', default: 3_000, env: 'KAFKA_HEARTBEAT_INTERVAL_MS' },
    metadataMaxAgeMs: {
      doc: 'How often the consumer refreshes cluster metadata: partitions added to the topic are consumed within about this long',
      format: 'positive-int',
      default: 300_000,
      env: 'KAFKA_METADATA_MAX_AGE_MS',
    },
    commitIntervalMs: {
      doc: 'Least time between two offset commits (commits follow settled messages, one in flight)',
      format: 'non-negative-int',
      default: 50,
      env: 'KAFKA_COMMIT_INTERVAL_MS',
    },
    maxAheadPerPartition: {
      doc: 'Offsets a partition may hold admitted past an unsettled one before it is paused',
      format: 'positive-int',
      default: 10_000,
      env: 'KAFKA_MAX_AHEAD_PER_PARTITION',
    },
    maxUncommitted: {
      doc: 'Settled offsets waiting for a commit the broker has not confirmed at which new sends hold (unready) until commits succeed again; a rebalance sends them again',
      format: 'positive-int',
      default: 500,
      env: 'KAFKA_MAX_UNCOMMITTED',
    },
    dlqPublishStallMs: {
      doc: 'A DLQ publish not acknowledged after this long is reported stalled (counted, logged, unready)',
      format: 'positive-int',
      default: 60_000,
      env: 'DLQ_PUBLISH_STALL_MS',
    },
    receiptPublishStallMs: {
      doc: 'A receipt publish not acknowledged after this long is reported stalled (counted, logged, unready)',
      format: 'positive-int',
      default: 60_000,
      env: 'RECEIPT_PUBLISH_STALL_MS',
    },
    ssl: { doc: 'Use TLS to the brokers', format: Boolean, default: false, env: 'KAFKA_SSL' },
    sslCaFile: { doc: 'PEM file with the CA for the brokers (optional)', format: String, default: '', env: 'KAFKA_SSL_CA_FILE' },
    sslCertFile: { doc: 'PEM client certificate for mutual TLS (with KAFKA_SSL_KEY_FILE)', format: String, default: '', env: 'KAFKA_SSL_CERT_FILE' },
    sslKeyFile: {
      doc: 'PEM private key of the client certificate, unencrypted (a file only the service user can read)',
      format: String,
      default: '',
      env: 'KAFKA_SSL_KEY_FILE',
    },
    sslRejectUnauthorized: { doc: 'Verify the brokers\u2019 certificates', format: Boolean, default: true, env: 'KAFKA_SSL_REJECT_UNAUTHORIZED' },
    saslMechanism: { doc: 'SASL mechanism', format: ['', 'plain', 'scram-sha-256', 'scram-sha-512'] as const, default: '', env: 'KAFKA_SASL_MECHANISM' },
    saslUsername: { doc: 'SASL user', format: String, default: '', env: 'KAFKA_SASL_USERNAME' },
    saslPassword: { doc: 'SASL password (or KAFKA_SASL_PASSWORD_FILE)', format: String, default: '', sensitive: true, env: 'KAFKA_SASL_PASSWORD' },
    saslPasswordFile: {
      doc: 'File holding the SASL password, re-read when it changes (a mounted Secret)',
      format: String,
      default: '',
      env: 'KAFKA_SASL_PASSWORD_FILE',
    },
  },
  smtp: {
    host: { doc: 'SMTP server host', format: 'nonempty-string', default: '', env: 'SMTP_HOST' },
    port: { doc: 'SMTP server port', format: 'tcp-port', default: 587, env: 'SMTP_PORT' },
    secure: { doc: 'Implicit TLS (port 465 style)', format: Boolean, default: false, env: 'SMTP_SECURE' },
    requireTls: { doc: 'Refuse to send unless STARTTLS succeeds', format: Boolean, default: false, env: 'SMTP_REQUIRE_TLS' },
    tlsRejectUnauthorized: { doc: 'Verify the SMTP server certificate', format: Boolean, default: true, env: 'SMTP_TLS_REJECT_UNAUTHORIZED' },
    tlsCaFile: { doc: 'PEM file with the CA for the SMTP server (optional; default: the system CAs)', format: String, default: '', env: 'SMTP_TLS_CA_FILE' },
    user: { doc: 'SMTP user (optional)', format: String, default: '', env: 'SMTP_USER' },
    pass: { doc: 'SMTP password (or SMTP_PASS_FILE)', format: String, default: '', sensitive: true, env: 'SMTP_PASS' },
    passFile: { doc: 'File holding the SMTP password, re-read when it changes (a mounted Secret)', format: String, default: '', env: 'SMTP_PASS_FILE' },
    timeoutMs: {
      doc: 'Connection, greeting and socket timeout, each applied per phase and per command',
      format: 'positive-int',
      default: 30_000,
      env: 'SMTP_TIMEOUT_MS',
    },
    // 60 s: twice SMTP_TIMEOUT_MS, so one phase may use its whole timeout and the rest of a normal
    // exchange (well under a second) still fits. A server slower than this for every message is
    // treated as failing. (The ledger's claim no longer has to outlast it: it is renewed while the send runs.)
    sendTimeoutMs: {
      doc: 'Deadline for one whole send (all phases); the send is aborted and its connection closed',
      format: 'positive-int',
      default: 60_000,
      env: 'SMTP_SEND_TIMEOUT_MS',
    },
    breakerThreshold: {
      doc: 'Consecutive server-level failures (refused, timeout, 421) that open the circuit',
      format: 'positive-int',
      default: 5,
      env: 'SMTP_BREAKER_THRESHOLD',
    },
    breakerProbeIntervalMs: {
      doc: 'While the circuit is open, how often the server is probed',
      format: 'positive-int',
      default: 5_000,
      env: 'SMTP_BREAKER_PROBE_INTERVAL_MS',
    },
  },
  smtpFallback: {
    host: { doc: 'Fallback SMTP relay, used while the primary\u2019s circuit is open (empty = none)', format: String, default: '', env: 'SMTP_FALLBACK_HOST' },
    port: { doc: 'Fallback SMTP relay port', format: 'tcp-port', default: 587, env: 'SMTP_FALLBACK_PORT' },
    secure: { doc: 'Fallback relay: implicit TLS (port 465 style)', format: Boolean, default: false, env: 'SMTP_FALLBACK_SECURE' },
    user: { doc: 'Fallback relay user (optional)', format: String, default: '', env: 'SMTP_FALLBACK_USER' },
    pass: { doc: 'Fallback relay password (or SMTP_FALLBACK_PASS_FILE)', format: String, default: '', sensitive: true, env: 'SMTP_FALLBACK_PASS' },
    passFile: {
      doc: 'File holding the fallback relay password, re-read when it changes (a mounted Secret)',
      format: String,
      default: '',
      env: 'SMTP_FALLBACK_PASS_FILE',
    },
  },
  email: {
    from: { doc: 'From address, e.g. "Acme <welcome@acme.test>"', format: 'from-address', default: '', env: 'EMAIL_FROM' },
    envelopeFrom: {
      doc: 'Envelope sender (MAIL FROM, where bounces go), "{eventId}" at most once in its local part, e.g. "bounces+{eventId}@bounce.acme.test" (empty = the address of EMAIL_FROM)',
      format: 'envelope-from',
      default: '',
      env: 'EMAIL_ENVELOPE_FROM',
    },
    workerCount: { doc: 'Concurrent SMTP sends (and pooled connections)', format: 'positive-int', default: 10, env: 'EMAIL_WORKER_COUNT' },
    workerBuffer: { doc: 'Messages held in process (queued + in flight + waiting to retry)', format: 'positive-int', default: 100, env: 'EMAIL_WORKER_BUFFER' },
    maxRetries: { doc: 'Retries after the first attempt for transient failures', format: 'non-negative-int', default: 3, env: 'EMAIL_MAX_RETRIES' },
    retryDelaysMs: {
      doc: 'Delay before each retry; a shorter list repeats its last delay',
      format: 'duration-list',
      default: [1_000, 5_000, 10_000],
      env: 'EMAIL_RETRY_DELAYS_MS',
    },
    rateLimitPerSecond: {
      doc: 'Max sends started per second (0 = off); per pod or for all replicas, see EMAIL_RATE_LIMIT_SCOPE',
      format: 'non-negative-int',
      default: 0,
      env: 'EMAIL_RATE_LIMIT_PER_SECOND',
    },
    rateLimitScope: {
      doc: 'pod: each replica sends EMAIL_RATE_LIMIT_PER_SECOND; cluster: all replicas together, through Redis (REDIS_URL)',
      format: ['pod', 'cluster'] as const,
      default: 'pod',
      env: 'EMAIL_RATE_LIMIT_SCOPE',
    },
    rateLimitMaxReplicas: {
      doc: 'Cluster scope with Redis unreachable: each pod sends EMAIL_RATE_LIMIT_PER_SECOND / this (the most replicas there can be)',
      format: 'positive-int',
      default: 6,
      env: 'EMAIL_RATE_LIMIT_MAX_REPLICAS',
    },
    templatesDir: {
      doc: 'Folder of the email templates: manifest.json and a folder per template set, or (no manifest) one folder per locale of the welcome email (empty = the templates the service ships)',
      format: String,
      default: '',
      env: 'EMAIL_TEMPLATES_DIR',
    },
    unmappedEventTypes: {
      doc: 'An event whose type no template set serves: dlq (dead-lettered as invalid_event) or skip (settled without an email, counted, a skipped receipt)',
      format: ['dlq', 'skip'] as const,
      default: 'dlq',
      env: 'EMAIL_UNMAPPED_EVENT_TYPES',
    },
    defaultLocale: {
      doc: 'Locale of the email when none matches the event\u2019s user.locale; must have a template folder',
      format: 'nonempty-string',
      default: 'en',
      env: 'EMAIL_DEFAULT_LOCALE',
    },
  },
  redis: {
    url: {
      doc: 'Redis URL shared by the sent ledger and the cluster send rate (or REDIS_URL_FILE)',
      format: String,
      default: '',
      sensitive: true,
      env: 'REDIS_URL',
    },
  },
  idempotency: {
    redisUrl: {
      doc: 'Redis URL for the sent ledger (empty = off; REDIS_URL when unset)',
      format: String,
      default: '',
      sensitive: true,
      env: 'IDEMPOTENCY_REDIS_URL',
    },
    ttlSeconds: { doc: 'How long a sent eventId is remembered', format: 'positive-int', default: 604_800, env: 'IDEMPOTENCY_TTL_SECONDS' },
    // Seconds, not minutes: after a crash, its in-flight events wait this long.
    leaseMs: {
      doc: 'Sent-ledger claim lease, renewed while its send is in flight: how long a crashed send blocks its event',
      format: 'positive-int',
      default: 10_000,
      env: 'IDEMPOTENCY_LEASE_MS',
    },
    leaseRenewMs: {
      doc: 'How often the claims of the sends in flight are renewed (at most a third of IDEMPOTENCY_LEASE_MS)',
      format: 'positive-int',
      default: 2_000,
      env: 'IDEMPOTENCY_LEASE_RENEW_MS',
    },
    strict: { doc: 'Pause instead of sending when Redis is unreachable', format: Boolean, default: false, env: 'IDEMPOTENCY_STRICT' },
  },
  dkim: {
    domain: { doc: 'DKIM signing domain (d=); with DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE turns signing on', format: String, default: '', env: 'DKIM_DOMAIN' },
    selector: { doc: 'DKIM selector (s=): the public key is published at <selector>._domainkey.<domain>', format: String, default: '', env: 'DKIM_SELECTOR' },
    privateKeyFile: {
      doc: 'PEM file with the unencrypted RSA private key (2048 bits; a mounted Secret)',
      format: String,
      default: '',
      env: 'DKIM_PRIVATE_KEY_FILE',
    },
  },
  http: {
    port: { doc: 'Port for /metrics, /readyz, /livez', format: 'tcp-port', default: 9464, env: 'HTTP_PORT' },
  },
  shutdownTimeoutMs: {
    doc: 'Time for in-flight sends and due retries to finish on shutdown',
    format: 'positive-int',
    default: 25_000,
    env: 'SHUTDOWN_TIMEOUT_MS',
  },
  livenessStallMs: { doc: 'No progress for this long while work is pending fails /livez', format: 'positive-int', default: 300_000, env: 'LIVENESS_STALL_MS' },
  logLevel: { doc: 'pino log level', format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, default: 'info', env: 'LOG_LEVEL' },
};

/**
 * Secrets that may also be read from a file named by `<NAME>_FILE` (Kubernetes secret volumes). The
 * passwords' files are schema keys too (`smtp.passFile`, `kafka.saslPasswordFile`): their clients
 * re-read them when a rotated Secret replaces them.
 */
export const FILE_SECRETS = ['SMTP_PASS', 'KAFKA_SASL_PASSWORD', 'IDEMPOTENCY_REDIS_URL', 'REDIS_URL', 'SMTP_FALLBACK_PASS'] as const;

import type { TracingConfig } from '../tracing/tracing-config.js';

/** A schema leaf's value: one of an enum format's values, else its default's type, widened. */
type LeafValue<L> = L extends { format: readonly (infer U)[] } ? U : L extends { default: infer D } ? Widen<D> : never;
type Widen<D> = D extends boolean ? boolean : D extends number ? number : D extends string ? string : D extends readonly (infer E)[] ? readonly Widen<E>[] : D;
type ConfigOf<S> = { readonly [K in keyof S]: S[K] extends { env: string } ? LeafValue<S[K]> : ConfigOf<S[K]> };

/** Operator values for the email templates: EMAIL_TEMPLATE_VARS_PRODUCT_NAME=Acme is `{{vars.product_name}}`. */
export const TEMPLATE_VARS_PREFIX = 'EMAIL_TEMPLATE_VARS_';

/**
 * The validated, frozen configuration: derived from the schema, never written twice; plus the
 * EMAIL_TEMPLATE_VARS_* family, by value name in lower case (`product_name`).
 */
export type Config = ConfigOf<typeof schema> & { readonly email: { readonly templateVars: Readonly<Record<string, string>> } } & {
  readonly tracing: TracingConfig;
};

/** Thrown by `loadConfig`; `problems` holds one line per bad variable, each naming it. */
