import { describe, expect, it } from 'vitest';

import { metricSum } from '../../../../bench/group/prometheus-text.js';

const text = `# HELP email_dispatcher_emails_sent_total Emails accepted by the SMTP server
# TYPE email_dispatcher_emails_sent_total counter
email_dispatcher_emails_sent_total 42
email_dispatcher_emails_sent_total_extra 7
# TYPE email_dispatcher_settled_uncommitted_messages gauge
email_dispatcher_settled_uncommitted_messages{topic="t",partition="0"} 3
email_dispatcher_settled_uncommitted_messages{topic="t",partition="1"} 4.5
email_dispatcher_weird{label="a } b"} 1
`;

describe('metricSum', () => {
  it('reads an unlabelled sample, not one whose name merely starts the same', () => {
    expect(metricSum(text, 'email_dispatcher_emails_sent_total')).toBe(42);
  });

  it('sums every label set of a metric', () => {
    expect(metricSum(text, 'email_dispatcher_settled_uncommitted_messages')).toBe(7.5);
  });

  it('reads a value after a label value containing a brace', () => {
    expect(metricSum(text, 'email_dispatcher_weird')).toBe(1);
  });

  it('is undefined for a metric without samples', () => {
    expect(metricSum(text, 'email_dispatcher_in_flight_messages')).toBeUndefined();
  });
});
