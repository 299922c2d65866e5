import { describe, expect, it } from 'vitest';

import { sampleMetrics } from '../../../test/chaos/metrics-sampler.js';

describe('sampleMetrics', () => {
  it('keeps the sampled series by name and labels (topic dropped), and nothing else', () => {
    const text = [
      '# HELP email_dispatcher_committed_offset Last offset committed by this instance',
      '# TYPE email_dispatcher_committed_offset gauge',
      'email_dispatcher_committed_offset{topic="chaos-x",partition="4"} 34',
      'email_dispatcher_offset_commits_total{result="ok"} 12',
      'email_dispatcher_held_messages 7',
      'email_dispatcher_emails_sent_total 400',
      'process_cpu_seconds_total 3.5',
      '',
    ].join('\n');
    expect(sampleMetrics(text)).toEqual({
      'email_dispatcher_committed_offset{partition="4"}': 34,
      'email_dispatcher_offset_commits_total{result="ok"}': 12,
      email_dispatcher_held_messages: 7,
    });
  });
});
