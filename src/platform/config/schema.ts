import { emailSchema } from './email-schema.js';
import { kafkaSchema } from './kafka-schema.js';
import { smtpFallbackSchema, smtpSchema } from './smtp-schema.js';

/**
 * The service's whole configuration contract. Every key is read from exactly one environment
 * variable (named in `env`); `configEnvNames()` lists them for the manifest/compose checks.
 */
export const schema = {
  kafka: kafkaSchema,
  smtp: smtpSchema,
  smtpFallback: smtpFallbackSchema,
  email: emailSchema,
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
