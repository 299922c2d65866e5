import { ServiceError, type ServiceErrorCode } from '../platform/service-error.js';

/** The codes a redrive run can end with (their meaning and whether a re-run helps: `SERVICE_ERROR_CODES`). */
export const REDRIVE_ERROR_CODES = {
  noTopic: 'ERR_REDRIVE_NO_TOPIC',
  brokerUnreachable: 'ERR_REDRIVE_BROKER_UNREACHABLE',
  groupMismatch: 'ERR_REDRIVE_GROUP_MISMATCH',
  groupBusy: 'ERR_REDRIVE_GROUP_BUSY',
  publishTimeout: 'ERR_REDRIVE_PUBLISH_TIMEOUT',
  consumerCrashed: 'ERR_REDRIVE_CONSUMER_CRASHED',
} as const satisfies Record<string, ServiceErrorCode>;

export type RedriveErrorCode = (typeof REDRIVE_ERROR_CODES)[keyof typeof REDRIVE_ERROR_CODES];

/** A redrive that cannot go on. Nothing after the last commit was lost: re-running resumes there. */
export class RedriveError extends ServiceError<RedriveErrorCode> {}
