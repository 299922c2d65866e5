import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { DEFAULT_KAFKA_VERSION } from '../../../dev/local-kafka.js';
import { signupEventSchema } from '../../../src/pipeline/signup-event.js';
import { configEnvNames, loadConfig, REQUIRED_ENV } from '../../../src/platform/config/config.js';
import { readText, readYaml, run } from '../../support/deploy/repo-files.js';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
  volumes?: string[];
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  profiles?: string[];
  entrypoint?: string[];
  command?: string[];
}
interface Compose {
  services: Record<string, ComposeService>;
  'x-topics': { signups: string; dlq: string; partitions: string };
}

const compose = readYaml<Compose>('docker-compose.yml');
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
};
const envOf = (name: string): Record<string, string> => Object.fromEntries(Object.entries(service(name).environment ?? {}).map(([k, v]) => [k, String(v)]));

const dispatcherEnv = envOf('email-dispatcher');
/** A value as the container sees it: compose turns "$$" into "$". */
const unescape = (text: string) => text.replaceAll('$$', '$');
const config = loadConfig(dispatcherEnv);

/** "host:container" (or "ip:host:container") → container port. */
const containerPorts = (name: string) => (service(name).ports ?? []).map((p) => Number(p.split(':').at(-1)));
/** Compose durations as used here: "35s", "1m30s", "500ms". */
function durationMs(text: string): number {
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h)/g))
    total += Number(n) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
  return total;
}

describe('docker-compose.yml › the email-dispatcher service', () => {
  it('sets every required variable of src/platform/config/config.ts', () => {
    for (const name of REQUIRED_ENV) expect(dispatcherEnv, name).toHaveProperty(name);
  });

  it('sets only variables the service reads (configEnvNames)', () => {
    const known = new Set(configEnvNames());
    expect(Object.keys(dispatcherEnv).filter((name) => !known.has(name))).toEqual([]);
  });

  it('passes the config validation the service runs at start', () => {
    expect(() => loadConfig(dispatcherEnv)).not.toThrow();
  });

  it('publishes HTTP_PORT, and Prometheus scrapes it there', () => {
    expect(containerPorts('email-dispatcher')).toContain(config.http.port);
    const prometheus = readYaml<{ scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }> }>(
      'deploy/prometheus/prometheus.yml',
    );
    const job = prometheus.scrape_configs.find((c) => c.job_name === 'email-dispatcher');
    expect(job?.static_configs.flatMap((c) => c.targets)).toEqual([`email-dispatcher:${config.http.port}`]);
  });

  it('gets longer than SHUTDOWN_TIMEOUT_MS (+5 s) to stop before Docker kills it', () => {
    expect(durationMs(service('email-dispatcher').stop_grace_period ?? '10s')).toBeGreaterThan(config.shutdownTimeoutMs + 5_000);
  });

  it('is built from deploy/Dockerfile and starts after the topics exist', () => {
    expect(service('email-dispatcher').build).toEqual({ context: '.', dockerfile: 'deploy/Dockerfile' });
    expect(service('email-dispatcher').depends_on?.['kafka-init']).toEqual({ condition: 'service_completed_successfully' });
  });

  it('talks to the compose Kafka on its internal listener and to Mailpit on its SMTP port', () => {
    expect(envOf('kafka').KAFKA_ADVERTISED_LISTENERS?.split(',')).toContain(`INTERNAL://${config.kafka.brokers.join(',')}`);
    expect(config.smtp.host).toBe('mailpit');
    expect(containerPorts('mailpit')).toContain(config.smtp.port);
  });
});

// A child process per case: on a loaded machine that outlasts vitest's 5 s default.
describe('docker-compose.yml › the service healthcheck', { timeout: 30_000 }, () => {
  const [form, ...command] = service('email-dispatcher').healthcheck?.test ?? [];

  /** Runs the healthcheck command as Docker would, against a server answering /readyz with `status`. */
  async function healthcheckExitCode(status: number | 'closed'): Promise<number> {
    const server = createServer((req, res) => res.writeHead(req.url === '/readyz' ? (status as number) : 404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    if (status === 'closed') await new Promise((resolve) => server.close(resolve));
    try {
      await promisify(execFile)(command[0] as string, command.slice(1), { env: { ...process.env, HTTP_PORT: String(port) }, timeout: 10_000 });
      return 0;
    } catch (err) {
      return (err as { code?: number }).code ?? -1;
    } finally {
      server.close();
    }
  }

  it('runs node (the image has no curl or wget) without a shell', () => {
    expect(form).toBe('CMD');
    expect(command[0]).toBe('node');
  });

  it('passes when /readyz on HTTP_PORT answers 200, fails on 503 or no answer', async () => {
    expect(await healthcheckExitCode(200)).toBe(0);
    expect(await healthcheckExitCode(503)).toBe(1);
    expect(await healthcheckExitCode('closed')).toBe(1);
  });
});

describe('docker-compose.yml › the seed profile', () => {
  const seed = service('seed');
  const env = envOf('seed');
  const script = unescape(seed.command?.[0] ?? '');
  const PRODUCER = '| /opt/kafka/bin/kafka-console-producer.sh';

  /** The lines the script pipes into the console producer: its generator, run here by sh with the seed's environment. */
  function generatedLines(count: number): string[] {
    expect(script).toContain(PRODUCER);
    const generator = script.slice(0, script.indexOf(PRODUCER));
    return run('sh', ['-c', `SEED_COUNT=${count} SEED_INTERVAL_SECONDS=0; ${generator}`])
      .trim()
      .split('\n');
  }

  it('runs only with --profile seed, once the service is healthy, with the Kafka image', () => {
    expect(seed.profiles).toEqual(['seed']);
    expect(seed.depends_on?.['email-dispatcher']).toEqual({ condition: 'service_healthy' });
    expect(seed.image).toBe(service('kafka').image);
    expect(seed.entrypoint).toEqual(['/bin/sh', '-c']);
  });

  it("produces to the service's topic on the service's brokers", () => {
    expect(env.TOPIC).toBe(config.kafka.topic);
    expect(env.BOOTSTRAP).toBe(config.kafka.brokers.join(','));
    expect(script).toMatch(/--topic "\$TOPIC"/);
    expect(script).toMatch(/--bootstrap-server "\$BOOTSTRAP"/);
  });

  it('writes "user id|event" lines, each a valid sign-up event (src/pipeline/signup-event.ts) with its own eventId', () => {
    const lines = generatedLines(3);
    expect(lines).toHaveLength(3);
    const events = lines.map((line) => {
      const separator = line.indexOf('|');
      const event = signupEventSchema.parse(JSON.parse(line.slice(separator + 1)));
      expect(line.slice(0, separator)).toBe(event.user.id);
      return event;
    });
    expect(new Set(events.map((e) => e.eventId)).size).toBe(3);
    expect(script).toContain("--property parse.key=true --property key.separator='|'");
  });
});

describe('docker-compose.yml › Redis for the sent ledger', () => {
  const redis = service('redis');
  const commented = /^\s*# (IDEMPOTENCY_REDIS_URL): (\S+)$/m.exec(readText('docker-compose.yml'));

  it('runs only with --profile idempotency, never evicting a key', () => {
    expect(redis.profiles).toEqual(['idempotency']);
    expect(redis.command?.join(' ')).toContain('--maxmemory-policy noeviction');
  });

  it('is what the commented IDEMPOTENCY_REDIS_URL of the service points at, and the service accepts it', () => {
    const [, name = '', url = ''] = commented ?? [];
    expect(new URL(url).hostname).toBe('redis');
    expect(containerPorts('redis')).toContain(Number(new URL(url).port));
    expect(() => loadConfig({ ...dispatcherEnv, [name]: url })).not.toThrow();
  });
});

describe('docker-compose.yml › Kafka', () => {
  it('runs the same Kafka version as the local broker (dev/local-kafka.ts)', () => {
    expect(service('kafka').image).toBe(`apache/kafka:${DEFAULT_KAFKA_VERSION}`);
    expect(service('kafka-init').image).toBe(service('kafka').image);
  });

  it('creates the topics the service consumes and dead-letters to, with the documented partition count', () => {
    const init = envOf('kafka-init');
    expect([init.SIGNUPS_TOPIC, init.DLQ_TOPIC]).toEqual([config.kafka.topic, config.kafka.dlqTopic]);
    expect(init.PARTITIONS).toBe(compose['x-topics'].partitions);
    expect(envOf('kafka').KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
  });
});

describe('docker-compose.yml › Prometheus and Grafana', () => {
  it('mounts the Prometheus config and rules where prometheus.yml expects them', () => {
    expect(service('prometheus').volumes).toEqual(
      expect.arrayContaining(['./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro', './deploy/prometheus/rules:/etc/prometheus/rules:ro']),
    );
  });

  it('mounts provisioning and the dashboards folder the provider reads', () => {
    const provider = readYaml<{ providers: Array<{ options: { path: string } }> }>('deploy/grafana/provisioning/dashboards/email-dispatcher.yml');
    const dashboardsPath = provider.providers[0]?.options.path;
    expect(service('grafana').volumes).toEqual(
      expect.arrayContaining(['./deploy/grafana/provisioning:/etc/grafana/provisioning:ro', `./deploy/grafana/dashboards:${dashboardsPath}:ro`]),
    );
  });

  it('points Grafana at the compose Prometheus', () => {
    const datasources = readYaml<{ datasources: Array<{ type: string; url: string }> }>('deploy/grafana/provisioning/datasources/prometheus.yml');
    expect(datasources.datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' })]);
    expect(containerPorts('prometheus')).toContain(9090);
  });

  it('pins every image to a version tag', () => {
    for (const [name, { image }] of Object.entries(compose.services)) {
      expect(image, name).toMatch(/:[\w.-]+$/);
      expect(image, name).not.toMatch(/:latest$/);
    }
  });
});
