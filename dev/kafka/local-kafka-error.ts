/** Why the local broker could not be started or stopped; `cmd/local-kafka.ts` prints only the message. */
export const LOCAL_KAFKA_ERROR_CODES = [
  'JAVA_MISSING',
  'JAVA_TOO_OLD',
  'MAVEN_MISSING',
  'MAVEN_FAILED',
  'FORMAT_FAILED',
  'PORT_TAKEN',
  'OTHER_PORT',
  'BROKER_EXITED',
  'START_TIMEOUT',
  'STOP_TIMEOUT',
] as const;

export type LocalKafkaErrorCode = (typeof LOCAL_KAFKA_ERROR_CODES)[number];

export class LocalKafkaError extends Error {
  override readonly name = 'LocalKafkaError';
  readonly code: LocalKafkaErrorCode;

  constructor(code: LocalKafkaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
