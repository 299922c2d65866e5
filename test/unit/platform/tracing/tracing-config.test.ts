import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../../../src/platform/config/config.js';
import { ConfigError } from '../../../../src/platform/service-error.js';
import { readTracingConfig } from '../../../../src/platform/tracing/tracing-config.js';

const on = (env: NodeJS.ProcessEnv) => readTracingConfig(env).config;

describe('readTracingConfig', () => {
  it('with no OTEL_* variable › tracing is off (the spec would default to otlp; this service sends nothing unasked)', () => {
    expect(readTracingConfig({})).toEqual({ config: { enabled: false }, problems: [] });
  });

  it("OTEL_TRACES_EXPORTER=otlp › on, posting to the spec's default endpoint over http/protobuf, service email-dispatcher", () => {
    expect(on({ OTEL_TRACES_EXPORTER: 'otlp' })).toEqual({
      enabled: true,
      url: 'http://localhost:4318/v1/traces',
      protocol: 'http/protobuf',
      serviceName: 'email-dispatcher',
      resourceAttributes: '',
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
    });
  });

  it('an endpoint alone turns it on; OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/traces appended, the TRACES one is used as it is and wins', () => {
    expect(on({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toMatchObject({ enabled: true, url: 'http://collector:4318/v1/traces' });
    expect(on({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/custom' })).toMatchObject({
      url: 'https://traces.example/custom',
    });
  });

  it('OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true › off even with an endpoint', () => {
    expect(on({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toEqual({ enabled: false });
    expect(on({ OTEL_SDK_DISABLED: 'TRUE', OTEL_TRACES_EXPORTER: 'otlp' })).toEqual({ enabled: false });
    // Only "true" disables (the spec); anything else leaves it as the other variables say.
    expect(on({ OTEL_SDK_DISABLED: 'yes', OTEL_TRACES_EXPORTER: 'otlp' })).toMatchObject({ enabled: true });
  });

  it('reads the protocol (TRACES first), the service name, resource attributes and the sampler', () => {
    expect(
      on({
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'mailer-eu',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      }),
    ).toMatchObject({
      protocol: 'http/json',
      serviceName: 'mailer-eu',
      resourceAttributes: 'deployment.environment.name=prod',
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
    });
  });

  it('reports one line per bad variable, naming it', () => {
    expect(
      readTracingConfig({
        OTEL_TRACES_EXPORTER: 'zipkin',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_TRACES_SAMPLER: 'sometimes',
      }).problems,
    ).toEqual([
      'OTEL_TRACES_EXPORTER: expected otlp or none, got "zipkin"',
      'OTEL_EXPORTER_OTLP_ENDPOINT: expected an http:// or https:// URL, got "collector:4318"',
      'OTEL_EXPORTER_OTLP_PROTOCOL: expected http/protobuf or http/json (grpc is not supported), got "grpc"',
      'OTEL_TRACES_SAMPLER: expected one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio, got "sometimes"',
    ]);
    expect(readTracingConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' }).problems).toEqual([
      'OTEL_TRACES_SAMPLER_ARG: expected a number from 0 to 1, got "2"',
    ]);
  });

  it('through loadConfig › a bad OTEL_* variable is a ConfigError line like any other (exit 2)', () => {
    const required = { KAFKA_BROKERS: 'k:9092', SMTP_HOST: 'smtp', EMAIL_FROM: 'a@acme.test' };
    expect(loadConfig({ ...required, OTEL_TRACES_EXPORTER: 'otlp' }).tracing).toMatchObject({ enabled: true });
    const err = (() => {
      try {
        loadConfig({ ...required, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: expected http/protobuf or http/json (grpc is not supported), got "grpc"',
    ]);
  });
});
