import type { Producer } from 'kafkajs';

import { REDRIVE_ERROR_CODES, RedriveError } from '../platform/service-error.js';
import type { DlqRecord } from './dlq-record.js';
import { republishMessage } from './republish-message.js';

/** Republishes the record to its original topic (acks=all); not acknowledged within `timeoutMs` ends the run. */
export async function publishCopy(producer: Pick<Producer, 'send'>, record: DlqRecord, timeoutMs: number): Promise<void> {
  const { topic, message } = republishMessage(record);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RedriveError(REDRIVE_ERROR_CODES.publishTimeout, `${topic} did not acknowledge a republished record within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([producer.send({ topic, acks: -1, messages: [message] }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
