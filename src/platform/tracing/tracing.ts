import type { EventOrigin, EventTrace } from './event-trace.js';
import type { TracingConfig } from './tracing-config.js';
import type { TracingSdk, TracingSdkOptions } from './tracing-sdk.js';

/** Traces of the consumed events; everything is a no-op while tracing is off. */
export interface Tracing {
  readonly enabled: boolean;
  /** Loads and starts the SDK when tracing is on; the SDK's modules are never loaded otherwise. */
  start(): Promise<void>;
  /** The trace of an event just admitted; undefined with tracing off (or not started yet). */
  startEvent(origin: EventOrigin): EventTrace | undefined;
  /** Exports the spans still buffered and stops the SDK; idempotent. */
  shutdown(): Promise<void>;
}

export function createTracing({ config, groupId, serviceVersion, logger, exporter }: { config: TracingConfig } & TracingSdkOptions): Tracing {
  if (!config.enabled) return { enabled: false, start: async () => {}, startEvent: () => undefined, shutdown: async () => {} };
  let sdk: TracingSdk | undefined;
  let starting: Promise<void> | undefined;
  let stopped = false;
  return {
    enabled: true,
    start: () =>
      (starting ??= (async () => {
        const { startTracingSdk } = await import('./tracing-sdk.js');
        const started = await startTracingSdk(config, { groupId, serviceVersion, logger, ...(exporter ? { exporter } : {}) });
        // Stopped while the SDK loaded: nothing may be exported after shutdown.
        if (stopped) return void (await started.shutdown());
        sdk = started;
        // Origin and path only: a URL may carry a login.
        const { origin, pathname } = new URL(config.url);
        logger.info(
          { url: `${origin}${pathname}`, protocol: config.protocol, serviceName: config.serviceName, sampler: config.sampler },
          'tracing on: spans exported over OTLP',
        );
      })()),
    startEvent: (origin) => sdk?.startEvent(origin),
    async shutdown() {
      stopped = true;
      await starting?.catch(() => {});
      await sdk?.shutdown();
    },
  };
}
