/** Distinct event types counted by name; a producer writing a new type per event must not grow the metric without bound. */
export const MAX_TYPE_LABELS = 100;

/**
 * The metric label of a skipped event's type: its own name for the first `max` distinct types this
 * instance sees, `other` after (the log and the receipt still name it). Types are already checked to
 * be short dotted words (EVENT_TYPE), so they are safe as label values.
 */
export function createEventTypeLabel(max = MAX_TYPE_LABELS): (type: string) => string {
  const seen = new Set<string>();
  return (type) => {
    if (seen.has(type)) return type;
    if (seen.size >= max) return 'other';
    seen.add(type);
    return type;
  };
}
