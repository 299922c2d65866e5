import { dkimKeyFileProblem } from './files.js';
import type { Config } from './schema.js';

/** Rules between variables, each naming the variable to change; run once every variable is valid on its own. */
export const CROSS_RULES: ReadonlyArray<(c: Config) => string | undefined> = [
  ({ kafka, email }) =>
    kafka.maxAheadPerPartition < email.workerBuffer
      ? `KAFKA_MAX_AHEAD_PER_PARTITION: must be >= EMAIL_WORKER_BUFFER (${email.workerBuffer}), got ${kafka.maxAheadPerPartition}`
      : undefined,
  ({ kafka }) =>
    kafka.receiptsTopic !== '' && (kafka.receiptsTopic === kafka.topic || kafka.receiptsTopic === kafka.dlqTopic)
      ? `KAFKA_RECEIPTS_TOPIC: must differ from KAFKA_TOPIC and KAFKA_DLQ_TOPIC, got ${JSON.stringify(kafka.receiptsTopic)}`
      : undefined,
  // A stalled publish is a known wait that /livez must not restart (the restart would send every
  // uncommitted email again): the stall has to be declared well before /livez would give up.
  ({ kafka, livenessStallMs }) => publishStallProblem('DLQ_PUBLISH_STALL_MS', kafka.dlqPublishStallMs, livenessStallMs),
  ({ kafka, livenessStallMs }) =>
    kafka.receiptsTopic === '' ? undefined : publishStallProblem('RECEIPT_PUBLISH_STALL_MS', kafka.receiptPublishStallMs, livenessStallMs),
  ({ email }) =>
    email.rateLimitScope === 'cluster' && email.rateLimitPerSecond === 0 ? 'EMAIL_RATE_LIMIT_SCOPE: cluster needs EMAIL_RATE_LIMIT_PER_SECOND > 0' : undefined,
  ({ email, redis, idempotency }) =>
    email.rateLimitScope === 'cluster' && redis.url === '' && idempotency.redisUrl === ''
      ? 'EMAIL_RATE_LIMIT_SCOPE: cluster needs REDIS_URL (the budget is shared through Redis)'
      : undefined,
  ({ dkim }) => {
    const set = [
      ['DKIM_DOMAIN', dkim.domain],
      ['DKIM_SELECTOR', dkim.selector],
      ['DKIM_PRIVATE_KEY_FILE', dkim.privateKeyFile],
    ];
    const missing = set.filter(([, value]) => value === '').map(([name]) => name);
    return missing.length > 0 && missing.length < set.length
      ? `${missing[0]}: DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE must be set together`
      : undefined;
  },
  ({ dkim }) => (dkim.domain !== '' && dkim.selector !== '' && dkim.privateKeyFile !== '' ? dkimKeyFileProblem(dkim.privateKeyFile) : undefined),
  ({ smtpFallback: fb }) =>
    fb.host !== '' && (fb.user === '') !== (fb.pass === '') ? 'SMTP_FALLBACK_USER: SMTP_FALLBACK_USER and SMTP_FALLBACK_PASS must be set together' : undefined,
  ({ email }) =>
    email.workerBuffer < email.workerCount ? `EMAIL_WORKER_BUFFER: must be >= EMAIL_WORKER_COUNT (${email.workerCount}), got ${email.workerBuffer}` : undefined,
  ({ kafka }) =>
    kafka.saslMechanism !== '' && (kafka.saslUsername === '' || kafka.saslPassword === '')
      ? 'KAFKA_SASL_USERNAME: KAFKA_SASL_MECHANISM is set, so KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required'
      : undefined,
  ({ smtp }) => ((smtp.user === '') !== (smtp.pass === '') ? 'SMTP_USER: SMTP_USER and SMTP_PASS must be set together' : undefined),
  ({ kafka }) =>
    (kafka.sslCertFile === '') !== (kafka.sslKeyFile === '')
      ? `${kafka.sslCertFile === '' ? 'KAFKA_SSL_CERT_FILE' : 'KAFKA_SSL_KEY_FILE'}: KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE must be set together`
      : undefined,
  // Without KAFKA_SSL the files would be ignored and the connection plaintext: refuse rather than pretend.
  ({ kafka }) => {
    const set = [
      ['KAFKA_SSL_CA_FILE', kafka.sslCaFile],
      ['KAFKA_SSL_CERT_FILE', kafka.sslCertFile],
      ['KAFKA_SSL_KEY_FILE', kafka.sslKeyFile],
    ].filter(([, file]) => file !== '');
    return !kafka.ssl && set.length > 0
      ? `KAFKA_SSL: ${set.map(([name]) => name).join(', ')} ${set.length === 1 ? 'is' : 'are'} set, so KAFKA_SSL must be true`
      : undefined;
  },
  // A deadline shorter than one phase's timeout would make that timeout unreachable for sends, and hide
  // a per-phase ETIMEDOUT behind ESENDTIMEOUT.
  ({ smtp }) =>
    smtp.sendTimeoutMs < smtp.timeoutMs ? `SMTP_SEND_TIMEOUT_MS: must be >= SMTP_TIMEOUT_MS (${smtp.timeoutMs}), got ${smtp.sendTimeoutMs}` : undefined,
  // The claim is renewed while its send is in flight; with three renewals per lease, one that fails
  // (each waits at most the ledger's 1 s command timeout) leaves the claim in place.
  ({ idempotency }) =>
    idempotency.leaseRenewMs * 3 > idempotency.leaseMs
      ? `IDEMPOTENCY_LEASE_RENEW_MS: must be at most a third of IDEMPOTENCY_LEASE_MS (${idempotency.leaseMs}), so one failed renewal does not lose the claim; got ${idempotency.leaseRenewMs}`
      : undefined,
];

function publishStallProblem(variable: string, stallMs: number, livenessStallMs: number): string | undefined {
  const most = Math.floor(livenessStallMs / 2);
  return stallMs > most ? `${variable}: must be at most half of LIVENESS_STALL_MS (${most}), got ${stallMs}` : undefined;
}
