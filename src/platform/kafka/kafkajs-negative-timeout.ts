import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** KafkaJS's own value (src/network/requestQueue/index.js). */
const CHECK_PENDING_REQUESTS_INTERVAL = 10;

interface RequestQueueInternals {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/**
 * KafkaJS 2.2.4 schedules its throttle check with `throttledUntil - Date.now()`, and `throttledUntil`
 * starts at -1: a delay of minus the epoch, which Node clamps to 1 ms and, since Node 24, reports as
 * a TimeoutNegativeWarning on every connection (tulios/kafkajs#1751, fix proposed in #1755, never
 * released). This replaces that one method with the same logic and the delay clamped to at least
 * 1 ms — what Node did anyway — so nothing but the warning changes. Applied only to the exact
 * method it was written for; any other KafkaJS is left alone. Idempotent.
 */
export function fixKafkaJsNegativeTimeout(): 'patched' | 'already' | 'not-applicable' {
  let RequestQueue: { prototype: RequestQueueInternals } | undefined;
  try {
    RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueInternals };
  } catch {
    return 'not-applicable';
  }
  const proto = RequestQueue.prototype;
  if ((proto.scheduleCheckPendingRequests as { fixed?: true }).fixed) return 'already';
  if (!String(proto.scheduleCheckPendingRequests).includes('this.throttledUntil - Date.now()')) return 'not-applicable';
  const fixed = function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
    let scheduleAt = this.throttledUntil - Date.now();
    if (this.throttleCheckTimeoutId) return;
    if (this.pending.length > 0) scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL;
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      Math.max(1, scheduleAt),
    );
  };
  proto.scheduleCheckPendingRequests = Object.assign(fixed, { fixed: true as const });
  return 'patched';
}
