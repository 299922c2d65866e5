/**
 * OpenTelemetry traces: off unless the standard OTEL_* variables ask for them. The spec makes `otlp`
 * the default exporter; here an unset OTEL_TRACES_EXPORTER means off unless an OTLP endpoint is set,
 * so a deployment that never heard of tracing sends nothing anywhere.
 * https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
 */

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

export type TracingConfig =
  | { readonly enabled: false }
  | {
      readonly enabled: true;
      /** Where spans are posted: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
      readonly url: string;
      readonly protocol: OtlpProtocol;
      readonly serviceName: string;
      /** OTEL_RESOURCE_ATTRIBUTES, unparsed (key=value,…). */
      readonly resourceAttributes: string;
      readonly sampler: SamplerName;
      /** OTEL_TRACES_SAMPLER_ARG: the ratio of the traceidratio samplers. */
      readonly samplerRatio: number;
    };

/** The variables read here; the exporter and the batch processor read a few more themselves (docs/operations.md). */
export const TRACING_ENV = [
  'OTEL_SDK_DISABLED',
  'OTEL_TRACES_EXPORTER',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
] as const;

const DEFAULT_URL = 'http://localhost:4318/v1/traces';

/** Reads the OTEL_* variables: the tracing settings, or one problem line per bad variable (like loadConfig). */
export function readTracingConfig(env: NodeJS.ProcessEnv): { config: TracingConfig; problems: string[] } {
  const problems: string[] = [];
  const get = (name: (typeof TRACING_ENV)[number]) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const shown = (value: string) => (/[\r\n]/.test(value) ? '(a value with a line break)' : JSON.stringify(value));
  // The spec: only "true" (any case) disables; anything else is false.
  const disabled = get('OTEL_SDK_DISABLED')?.toLowerCase() === 'true';
  const exporter = get('OTEL_TRACES_EXPORTER')?.toLowerCase();
  if (exporter !== undefined && exporter !== 'otlp' && exporter !== 'none')
    problems.push(`OTEL_TRACES_EXPORTER: expected otlp or none, got ${shown(exporter)}`);
  const specific = get('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const general = get('OTEL_EXPORTER_OTLP_ENDPOINT');
  for (const [name, value] of [
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', specific],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', general],
  ] as const) {
    if (value !== undefined && !isHttpUrl(value)) problems.push(`${name}: expected an http:// or https:// URL, got ${shown(value)}`);
  }
  const protocolName = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = get(protocolName) ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json')
    problems.push(`${protocolName}: expected http/protobuf or http/json (grpc is not supported), got ${shown(protocol)}`);
  const sampler = (get('OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on').toLowerCase();
  if (!(SAMPLERS as readonly string[]).includes(sampler)) problems.push(`OTEL_TRACES_SAMPLER: expected one of ${SAMPLERS.join(', ')}, got ${shown(sampler)}`);
  const ratioText = get('OTEL_TRACES_SAMPLER_ARG');
  const ratio = ratioText === undefined ? 1 : Number(ratioText);
  if (sampler.endsWith('traceidratio') && !(Number.isFinite(ratio) && ratio >= 0 && ratio <= 1))
    problems.push(`OTEL_TRACES_SAMPLER_ARG: expected a number from 0 to 1, got ${shown(ratioText ?? '')}`);
  const asked = exporter === 'otlp' || (exporter === undefined && (specific !== undefined || general !== undefined));
  if (problems.length > 0 || disabled || !asked) return { config: { enabled: false }, problems };
  return {
    config: {
      enabled: true,
      url: specific ?? (general === undefined ? DEFAULT_URL : `${general.replace(/\/+$/, '')}/v1/traces`),
      protocol: protocol as OtlpProtocol,
      serviceName: get('OTEL_SERVICE_NAME') ?? 'email-dispatcher',
      resourceAttributes: get('OTEL_RESOURCE_ATTRIBUTES') ?? '',
      sampler: sampler as SamplerName,
      samplerRatio: ratio,
    },
    problems,
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
