import { ATTR, type TraceSpan } from '../platform/tracing/event-trace.js';
import type { AttemptResult } from './send-attempt.js';

/** The status code at the start of an SMTP reply (`250 2.0.0 Ok` → 250). */
function replyCode(reply: string | undefined): number | undefined {
  const code = Number(reply?.slice(0, 3));
  return Number.isInteger(code) && code >= 200 && code < 600 ? code : undefined;
}

/** Records how one send attempt ended on its span (never the address), then ends it. */
export function endAttemptSpan(span: TraceSpan, result: AttemptResult): void {
  span.set({ [ATTR.attemptResult]: result.kind });
  switch (result.kind) {
    case 'sent':
      span.set({ [ATTR.relay]: result.relay, [ATTR.smtpCode]: replyCode(result.smtpReply) });
      break;
    case 'duplicate':
      span.set({ [ATTR.relay]: result.relay });
      break;
    case 'failed': {
      const { failure } = result;
      span.set({ [ATTR.relay]: failure.relay, [ATTR.smtpCode]: failure.responseCode });
      // The message is scrubbed of addresses (classifySmtpError).
      span.fail(failure.code ?? failure.kind, failure.message);
      break;
    }
    case 'try-later':
    case 'withdrawn':
      break;
    default: {
      const never: never = result;
      throw new Error(`unknown attempt result ${JSON.stringify(never)}`);
    }
  }
  span.end();
}
