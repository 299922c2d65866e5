import type { KafkaMessage } from 'kafkajs';
import type { Ticket } from '../settle/offset-tracker.js';

export type DlqReason = 'invalid_event' | 'smtp_permanent' | 'retries_exhausted';

/** How a message left the pipeline. Every kind but 'abandoned' settles its offset. */
export type Outcome =
  | { readonly kind: 'sent'; readonly attempts: number }
  | { readonly kind: 'duplicate' }
  | {
      readonly kind: 'dead-letter';
      readonly reason: DlqReason;
      readonly error: string;
      readonly smtpCode: number | undefined;
      readonly attempts: number;
    };

/** A consumed Kafka record as it travels through the pipeline. */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
  readonly ticket: Ticket;
}
