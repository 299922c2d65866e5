import { randomBytes } from 'node:crypto';

/**
 * A realistic sign-up event of about `bytes` bytes (1–2 KB in the load test): the padding lives in
 * `metadata`, a field the service's schema ignores. Keys spread over `users` distinct users.
 */
export function signupFixture(runId: string, index: number, { bytes = 1_500, users = 100_000 }: { bytes?: number; users?: number } = {}) {
  const eventId = `lt-${runId}-${index}`;
  const userId = `user-${index % users}`;
  const base = {
    eventId,
    type: 'user.signed_up',
    occurredAt: new Date().toISOString(),
    user: { id: userId, email: `${eventId}@load.test`, name: `Load Test ${index}`, locale: 'en' },
    metadata: { source: 'load-test', campaign: 'welcome', padding: '' },
  };
  const pad = Math.max(0, bytes - Buffer.byteLength(JSON.stringify(base)));
  base.metadata.padding = randomBytes(Math.ceil(pad / 2)).toString('hex').slice(0, pad);
  return { eventId, key: userId, value: JSON.stringify(base) };
}

/** The eventId from a delivered mail's Message-ID (`<eventId@domain>`). */
export function eventIdFromMessageId(messageId: string | undefined): string | undefined {
  return messageId ? /^<([^@>]+)@/.exec(messageId)?.[1] : undefined;
}
