import { ServiceError } from './service-error.js';

/**
 * Whether a start failure's message says all an operator needs, so it is logged as that one line
 * without a stack trace: our own errors that retrying cannot fix (a certificate that does not verify,
 * SMTP credentials refused), and a broker refusing the SASL credentials. Anything else keeps its stack.
 */
export function explainsItself(err: unknown): boolean {
  return (err instanceof ServiceError && !err.retryable) || (err instanceof Error && err.name === 'KafkaJSSASLAuthenticationError');
}
