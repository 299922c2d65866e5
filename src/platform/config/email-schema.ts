/** EMAIL_*: the sender, the worker pool, retries, the send rate and the templates. */
export const emailSchema = {
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
};
