import { ServiceError } from './service-error.js';

/**
 * Whether a start failure's message says all an operator needs, so it is logged as that one line
 * without a stack trace: our own errors that retrying cannot fix (a certificate that does not verify,
 * SMTP credentials refused), a broker refusing the SASL credentials, and brokers that did not answer the
 * start-up topic check (the message names the bound; a stack would only point at our timer). Anything
 * else keeps its stack.
 */
export function explainsItself(err: unknown): boolean {
  if (err instanceof ServiceError) return !err.retryable || err.code === 'ERR_KAFKA_UNREACHABLE';
  return err instanceof Error && err.name === 'KafkaJSSASLAuthenticationError';
}
