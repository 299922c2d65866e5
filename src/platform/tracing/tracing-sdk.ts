import { diag, type DiagLogger, DiagLogLevel } from '@opentelemetry/api';
import { parseKeyPairsIntoRecord } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';

import type { StartEventTrace } from './event-trace.js';
import { otelEventTraces } from './otel-event-trace.js';
import type { SamplerName, TracingConfig } from './tracing-config.js';

/** The running SDK: loaded only when tracing is on (tracing.ts imports this file on demand). */
export interface TracingSdk {
  readonly startEvent: StartEventTrace;
  /** Exports every ended span now. */
  flush(): Promise<void>;
  /** Exports what is left and stops; idempotent. */
  shutdown(): Promise<void>;
}

export interface TracingSdkOptions {
  readonly groupId: string;
  readonly serviceVersion: string;
  readonly logger: Logger;
  /** Replaces the OTLP exporter (tests: an in-memory exporter). */
  readonly exporter?: SpanExporter;
}

function sampler(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default: {
      const never: never = name;
      throw new Error(`unknown sampler ${String(never)}`);
    }
  }
}

async function otlpExporter(protocol: 'http/protobuf' | 'http/json', url: string): Promise<SpanExporter> {
  // Headers, timeout, compression and certificates: the exporter reads OTEL_EXPORTER_OTLP_* itself.
  const { OTLPTraceExporter } =
    protocol === 'http/json' ? await import('@opentelemetry/exporter-trace-otlp-http') : await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter({ url });
}

/**
 * The SDK's own complaints (an export the collector refused or never answered) as log lines: at most
 * one a minute, saying how many were left out, so a collector that is down does not flood the log.
 */
function diagToLogger(logger: Logger, everyMs = 60_000): DiagLogger {
  let lastAt = -Infinity;
  let skipped = 0;
  const line = (message: string, ...args: unknown[]) => {
    const now = Date.now();
    if (now - lastAt < everyMs) return void (skipped += 1);
    lastAt = now;
    const detail = args
      .map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : ''))
      .filter(Boolean)
      .join(' ');
    logger.warn({ component: 'tracing', skipped }, `tracing: ${message}${detail ? ` ${detail}` : ''}`);
    skipped = 0;
  };
  const ignore = () => {};
  return { error: line, warn: line, info: ignore, debug: ignore, verbose: ignore };
}

export async function startTracingSdk(
  config: Extract<TracingConfig, { enabled: true }>,
  { groupId, serviceVersion, logger, exporter }: TracingSdkOptions,
): Promise<TracingSdk> {
  diag.setLogger(diagToLogger(logger), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  const resource = resourceFromAttributes({
    ...parseKeyPairsIntoRecord(config.resourceAttributes),
    // OTEL_SERVICE_NAME wins over a service.name in OTEL_RESOURCE_ATTRIBUTES (the spec's order).
    [ATTR_SERVICE_NAME]: config.serviceName,
    [ATTR_SERVICE_VERSION]: serviceVersion,
  });
  // OTEL_BSP_* (batch size, delay, queue) are read by the processor itself.
  const processor = new BatchSpanProcessor(exporter ?? (await otlpExporter(config.protocol, config.url)));
  const provider = new BasicTracerProvider({ resource, sampler: sampler(config.sampler, config.samplerRatio), spanProcessors: [processor] });
  let stopped: Promise<void> | undefined;
  return {
    startEvent: otelEventTraces({ tracer: provider.getTracer('email-dispatcher', serviceVersion), groupId }),
    flush: () => provider.forceFlush(),
    shutdown: () => (stopped ??= provider.shutdown()),
  };
}
