import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it, vi } from 'vitest';

import { createTracing } from '../../../../src/platform/tracing/tracing.js';
import { silentLogger } from '../../../support/pipeline.js';

/** Whether the SDK's module was loaded: the mock's factory runs on its first import. */
const sdkLoaded = vi.hoisted(() => ({ value: false }));
vi.mock('../../../../src/platform/tracing/tracing-sdk.js', async (importOriginal) => {
  sdkLoaded.value = true;
  return importOriginal();
});

/** Not from test/support/tracing.ts: that file loads the SDK. */
const TRACING_ON = {
  enabled: true,
  url: 'http://127.0.0.1:4318/v1/traces',
  protocol: 'http/protobuf',
  serviceName: 'test',
  resourceAttributes: '',
  sampler: 'parentbased_always_on',
  samplerRatio: 1,
} as const;
const origin = { topic: 'signups', partition: 0, offset: '1', headers: {}, eventId: 'evt-1' };
const options = { groupId: 'g', serviceVersion: '1.0.0', logger: silentLogger };

describe('createTracing', () => {
  it('off › starts, traces nothing and stops without loading the SDK', async () => {
    const tracing = createTracing({ config: { enabled: false }, ...options });
    await tracing.start();
    expect(tracing.enabled).toBe(false);
    expect(tracing.startEvent(origin)).toBeUndefined();
    await tracing.shutdown();
    expect(sdkLoaded.value).toBe(false);
  });

  it('on › loads the SDK at start; no trace before it; shutdown exports what was buffered', async () => {
    // Not InMemorySpanExporter: its shutdown() forgets what it was given.
    const exported: string[] = [];
    const exporter: SpanExporter = { export: (spans, done) => (exported.push(...spans.map((s) => s.name)), done({ code: 0 })), shutdown: async () => {} };
    const tracing = createTracing({ config: TRACING_ON, ...options, exporter });
    expect(tracing.startEvent(origin)).toBeUndefined();
    await tracing.start();
    expect(sdkLoaded.value).toBe(true);
    tracing.startEvent(origin)?.end();
    await tracing.shutdown();
    await tracing.shutdown();
    expect(exported).toEqual(['process signups']);
  });

  it('on, stopped while the SDK loads › nothing is traced after the stop', async () => {
    const tracing = createTracing({ config: TRACING_ON, ...options, exporter: { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} } });
    const started = tracing.start();
    await tracing.shutdown();
    await started;
    expect(tracing.startEvent(origin)).toBeUndefined();
  });
});
