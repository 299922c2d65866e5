import type { Outcome } from '../pipeline/outcome.js';
import { ATTR, type EventTrace } from '../platform/tracing/event-trace.js';

/** Says on the event's span how it settled (never the address); a dead letter marks it failed. */
export function annotateSettled(trace: EventTrace, outcome: Outcome): void {
  trace.set({
    [ATTR.outcome]: outcome.kind,
    [ATTR.attempts]: 'attempts' in outcome ? outcome.attempts : undefined,
    [ATTR.relay]: 'relay' in outcome ? outcome.relay : undefined,
    [ATTR.messageId]: 'messageId' in outcome ? outcome.messageId : undefined,
  });
  if (outcome.kind === 'dead-letter') {
    trace.set({ [ATTR.dlqReason]: outcome.reason, [ATTR.smtpCode]: outcome.smtpCode });
    trace.fail(outcome.reason, `dead-lettered: ${outcome.reason}`);
  }
}
