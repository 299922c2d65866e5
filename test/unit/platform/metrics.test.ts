import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { DLQ_REASONS } from '../../../src/pipeline/outcome.js';
import { NAME_PROBLEMS } from '../../../src/pipeline/signup-event.js';
import { buildInfo } from '../../../src/platform/build-info.js';
import { createMetrics } from '../../../src/platform/metrics.js';

const known = { topics: ['user-signups'], dlqReasons: DLQ_REASONS, nameProblems: NAME_PROBLEMS, maxRetries: 3 };

async function exposition(options: Parameters<typeof createMetrics>[0]): Promise<string> {
  createMetrics(options);
  return options.registry.metrics();
}

describe('metrics', () => {
  it('labelled counters have a series at 0 for every known label value before anything happened', async () => {
    const text = await exposition({ registry: new Registry(), defaults: false, known });
    for (const reason of DLQ_REASONS) expect(text).toContain(`email_dispatcher_dead_lettered_total{reason="${reason}"} 0`);
    for (const cls of ['transient', 'permanent', 'fatal'])
      expect(text).toContain(`email_dispatcher_send_failures_total{class="${cls}",relay="primary",smtp_code_class="none"} 0`);
    for (const attempt of ['1', '2', '3']) expect(text).toContain(`email_dispatcher_retries_total{attempt="${attempt}"} 0`);
    expect(text).not.toContain('email_dispatcher_retries_total{attempt="4"}');
    expect(text).toContain('email_dispatcher_messages_consumed_total{topic="user-signups"} 0');
    for (const reason of NAME_PROBLEMS) expect(text).toContain(`email_dispatcher_names_dropped_total{reason="${reason}"} 0`);
    expect(text).toContain('email_dispatcher_offset_commits_total{result="ok"} 0');
    expect(text).toContain('email_dispatcher_kafka_consumer_crashes_total{restart="true"} 0');
  });

  it('without known labels a labelled counter has no series until it moves', async () => {
    const text = await exposition({ registry: new Registry(), defaults: false });
    expect(text).not.toContain('email_dispatcher_dead_lettered_total{');
  });

  it('build_info says what runs', async () => {
    const info = buildInfo();
    expect(info.node).toBe(process.versions.node);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.kafkajs).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.nodemailer).toMatch(/^\d+\.\d+\.\d+/);
    const text = await exposition({ registry: new Registry(), defaults: false, build: info });
    expect(text).toContain(
      `email_dispatcher_build_info{version="${info.version}",node="${info.node}",kafkajs="${info.kafkajs}",nodemailer="${info.nodemailer}"} 1`,
    );
  });
});
