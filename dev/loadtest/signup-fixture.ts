import { randomBytes } from 'node:crypto';

import { signupEvent } from '../signup-event.js';

/** The prefix of every eventId a run produces: how the load test tells its events from others. */
export function eventIdPrefix(runId: string): string {
  return `lt-${runId}-`;
}

/**
 * A realistic sign-up event of about `bytes` bytes (1–2 KB in the load test): the padding lives in
 * `user.profile` and `metadata`, fields the service's schema ignores. Keys spread over `users`
 * distinct users, so every partition gets its share. The recipient's local part is the eventId
 * (a test SMTP server can decide an event's fate at RCPT, before the Message-ID is seen).
 */
export function signupFixture(runId: string, index: number, { bytes = 1_500, users = 100_000 }: { bytes?: number; users?: number } = {}) {
  const eventId = `${eventIdPrefix(runId)}${index}`;
  const userId = `user-${index % users}`;
  const event = signupEvent(eventId, {
    user: {
      id: userId,
      email: `${eventId}@load.test`,
      name: `Load Test ${index}`,
      locale: 'en',
      profile: { plan: 'free', referrer: 'load-test', marketingOptIn: index % 3 === 0, bio: '' },
    },
    metadata: { source: 'load-test', campaign: 'welcome', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) load-test', padding: '' },
  });
  const pad = Math.max(0, bytes - Buffer.byteLength(JSON.stringify(event)));
  // Half of the padding in each ignored field; hex so the size in bytes is exact.
  const hex = randomBytes(Math.ceil(pad / 2))
    .toString('hex')
    .slice(0, pad);
  event.user.profile.bio = hex.slice(0, Math.floor(pad / 2));
  event.metadata.padding = hex.slice(Math.floor(pad / 2));
  return { eventId, key: userId, value: JSON.stringify(event) };
}

/** The eventId from a delivered mail's Message-ID (`<eventId@domain>`). */
export function eventIdFromMessageId(messageId: string | undefined): string | undefined {
  return messageId ? /^<([^@>]+)@/.exec(messageId)?.[1] : undefined;
}
