export const REDRIVE_ERROR_CODES = {
  /** The DLQ topic does not exist (or the client may not describe it). */
  noTopic: 'ERR_REDRIVE_NO_TOPIC',
  /** The group holds offsets for another selection, or offsets not written by the redrive tool. */
  groupMismatch: 'ERR_REDRIVE_GROUP_MISMATCH',
  /** Another member is in the group: a second run of the same selection. */
  groupBusy: 'ERR_REDRIVE_GROUP_BUSY',
  /** The broker did not acknowledge a republished record in time. */
  publishTimeout: 'ERR_REDRIVE_PUBLISH_TIMEOUT',
  /** KafkaJS gave up on the consumer. */
  consumerCrashed: 'ERR_REDRIVE_CONSUMER_CRASHED',
} as const;

export type RedriveErrorCode = (typeof REDRIVE_ERROR_CODES)[keyof typeof REDRIVE_ERROR_CODES];

/** A redrive that cannot go on. Nothing after the last commit was lost: re-running resumes there. */
export class RedriveError extends Error {
  constructor(
    readonly code: RedriveErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RedriveError';
  }
}
