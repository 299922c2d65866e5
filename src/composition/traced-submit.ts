import type { ConsumedRecord } from '../pipeline/outcome.js';
import type { Tracing } from '../platform/tracing/tracing.js';

/**
 * Starts each admitted record's trace before handing it to the pool; with tracing off it is `submit`
 * itself, so the hot path pays nothing.
 */
export function tracedSubmit(submit: (record: ConsumedRecord) => void, tracing: Pick<Tracing, 'enabled' | 'startEvent'>): (record: ConsumedRecord) => void {
  if (!tracing.enabled) return submit;
  return (record) => {
    const { topic, partition, message, eventId } = record;
    const trace = tracing.startEvent({ topic, partition, offset: message.offset, headers: message.headers, eventId });
    submit(trace ? { ...record, trace } : record);
  };
}
