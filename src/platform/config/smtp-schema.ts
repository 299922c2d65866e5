/** SMTP_*: the primary relay, its timeouts and its circuit breaker. */
export const smtpSchema = {
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
};

/** SMTP_FALLBACK_*: the relay used while the primary's circuit is open; the rest of its settings are the primary's. */
export const smtpFallbackSchema = {
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
};
