import type { Config } from './schema.js';

/** A valid but weakened security setting: logged as a warning at start, naming the variable. */
export interface ConfigWarning {
  readonly variable: string;
  readonly message: string;
}

/**
 * Settings that work but give up a protection, so an operator sees the choice in the logs instead of
 * finding out from an incident. Local stacks set none of them (plaintext without credentials).
 */
export function securityWarnings(config: Config): ConfigWarning[] {
  return [...kafkaSecurityWarnings(config), ...smtpSecurityWarnings(config)];
}

/** The Kafka part (all the redrive CLI uses). */
export function kafkaSecurityWarnings({ kafka }: Config): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  if (kafka.ssl && !kafka.sslRejectUnauthorized) {
    warnings.push({
      variable: 'KAFKA_SSL_REJECT_UNAUTHORIZED',
      message:
        'KAFKA_SSL_REJECT_UNAUTHORIZED=false: the brokers\u2019 certificates are not verified, so whoever can intercept the connection can read the events and the SASL exchange',
    });
  }
  if (kafka.saslMechanism !== '' && !kafka.ssl) {
    warnings.push({
      variable: 'KAFKA_SSL',
      message: `KAFKA_SASL_MECHANISM=${kafka.saslMechanism} without KAFKA_SSL: events${kafka.saslMechanism === 'plain' ? ' and the SASL password' : ''} cross the network unencrypted`,
    });
  }
  return warnings;
}

function smtpSecurityWarnings({ smtp }: Config): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  if (!smtp.tlsRejectUnauthorized) {
    warnings.push({
      variable: 'SMTP_TLS_REJECT_UNAUTHORIZED',
      message:
        'SMTP_TLS_REJECT_UNAUTHORIZED=false: the SMTP server certificate is not verified, so whoever can intercept the connection can read the mail and the SMTP password',
    });
  }
  if (smtp.user !== '' && !smtp.secure && !smtp.requireTls) {
    warnings.push({
      variable: 'SMTP_REQUIRE_TLS',
      message:
        'SMTP_USER without SMTP_SECURE or SMTP_REQUIRE_TLS: a server (or anyone in between) that does not offer STARTTLS gets the SMTP password in plaintext',
    });
  }
  return warnings;
}
