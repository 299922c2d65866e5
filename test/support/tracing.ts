import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

import type { TracingConfig } from '../../src/platform/tracing/tracing-config.js';
import { startTracingSdk } from '../../src/platform/tracing/tracing-sdk.js';
import { silentLogger } from './pipeline.js';

export const TRACING_ON: Extract<TracingConfig, { enabled: true }> = {
  enabled: true,
  url: 'http://127.0.0.1:4318/v1/traces',
  protocol: 'http/protobuf',
  serviceName: 'email-dispatcher-test',
  resourceAttributes: '',
  sampler: 'parentbased_always_on',
  samplerRatio: 1,
};

/** The real SDK exporting to memory: `spans()` flushes and returns every ended span. */
export async function memoryTracing(config: Partial<typeof TRACING_ON> = {}) {
  const exporter = new InMemorySpanExporter();
  const sdk = await startTracingSdk({ ...TRACING_ON, ...config }, { groupId: 'group-1', serviceVersion: '9.9.9', logger: silentLogger, exporter });
  const spans = async (): Promise<ReadableSpan[]> => {
    await sdk.flush();
    return exporter.getFinishedSpans();
  };
  return { sdk, spans };
}

/** The span's parent span id ('' for a root). */
export const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId ?? '';

export const UPSTREAM = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };
export const UPSTREAM_TRACEPARENT = `00-${UPSTREAM.traceId}-${UPSTREAM.spanId}-01`;
