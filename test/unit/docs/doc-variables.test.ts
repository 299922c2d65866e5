import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { configEnvNames } from '../../../src/platform/config/config.js';
import { TEMPLATE_VARS_PREFIX } from '../../../src/platform/config/schema.js';
import { SERVICE_ERROR_CODES } from '../../../src/platform/service-error.js';
import { docPages, readRepoFile, REPO_ROOT } from '../../support/markdown.js';

/** Variables of the tools beside the service (local stack, tests, compose): documented ones must be read by some code. */
const TOOL_PREFIXES: Record<string, string> = {
  LOCAL_KAFKA_: 'the local broker (dev/kafka, cmd/local-kafka.ts) and the shared test broker',
  SMTP_SINK_: 'the local SMTP sink (cmd/smtp-sink.ts)',
  CHAOS_: 'the chaos test (test/chaos)',
  FAULT_: 'the fault suite (test/support/fault-scale.ts)',
  SEED_: "docker-compose.yml's sign-up seeder",
};

/** Read by something other than this project: Node, KafkaJS, the OpenTelemetry SDK, the shell. */
const EXTERNAL: Record<string, string> = {
  NODE_OPTIONS: 'Node itself',
  KAFKAJS_NO_PARTITIONER_WARNING: 'KafkaJS (CI sets it to quiet a notice)',
  XDG_CACHE_HOME: 'the XDG base directory spec: where the local broker caches its jars',
  JAVA_HOME: 'the JDK that runs the local broker',
  KAFKA_USER: 'a shell variable in the kubectl example that creates the SASL Secret',
};
const EXTERNAL_PREFIXES: Record<string, string> = {
  OTEL_: 'OpenTelemetry SDK variables, defined by the OpenTelemetry specification',
};

/** Upper-case names in the docs that are not environment variables at all. */
const NOT_VARIABLES: Record<string, string> = {
  REBALANCE_IN_PROGRESS: 'a Kafka protocol error code',
  UNKNOWN_MEMBER_ID: 'a Kafka protocol error code',
  ILLEGAL_GENERATION: 'a Kafka protocol error code',
  MESSAGE_TOO_LARGE: 'a Kafka protocol error code',
  DEFAULT_KAFKA_VERSION: 'a constant of the local broker (dev/kafka)',
  PENDING_KINDS: 'a constant in test/chaos/chaos-scale.ts',
  DS_PROMETHEUS: "the Grafana dashboard's data source input",
  EMAIL_WORKERS: 'the typo the start-up warning is there to catch',
  MARK_SENT: 'a Redis script of the sent ledger (src/ledger/redis-scripts.ts)',
};

/** Every name a page mentions: `NAME`, or `NAME_*` / `NAME_<…>` as a family (returned with its trailing `_`). */
function mentionedNames(markdown: string): string[] {
  return [...markdown.matchAll(/(?<![A-Za-z0-9_])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(_\*|_<)?/g)].map((m) => (m[2] ? `${m[1]}_` : (m[1] as string)));
}

/** The text of the code that may read a variable: everything but Markdown and this folder's tests. */
function codeText(): string {
  const roots = ['src', 'cmd', 'dev', 'bench', 'test', 'deploy', '.ci', 'docker-compose.yml', 'package.json'];
  const files = roots.flatMap((root) => {
    const full = path.join(REPO_ROOT, root);
    if (statSync(full, { throwIfNoEntry: false })?.isFile()) return [full];
    return readdirSync(full, { recursive: true, encoding: 'utf8' }).map((name) => path.join(full, name));
  });
  const docTests = path.join(REPO_ROOT, 'test', 'unit', 'docs');
  return files
    .filter((file) => !file.endsWith('.md') && !file.startsWith(docTests) && statSync(file).isFile())
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
}

/**
 * Variables read outside the convict schema: every `export const …_ENV = [ … ] as const` list in src/
 * (the tracing settings' OTEL_* names, say). A new config source declares its names that way.
 */
function envListNames(): string[] {
  const src = path.join(REPO_ROOT, 'src');
  const text = readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => readFileSync(path.join(src, name), 'utf8'))
    .join('\n');
  const lists = [...text.matchAll(/export const \w+_ENV\b[^=]*=\s*\[([^\]]*)\]/g)].map((m) => m[1] as string);
  return lists.flatMap((list) => [...list.matchAll(/'([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1] as string));
}

const schemaNames = new Set([...configEnvNames(), ...envListNames()]);
const code = codeText();
const readInCode = (name: string) => new RegExp(`(?<![A-Za-z0-9_])${name}`).test(code);

/** Why a name a page mentions is fine, or undefined when nothing reads it. */
function known(name: string): string | undefined {
  if (name.endsWith('_')) {
    if ([...schemaNames].some((n) => n.startsWith(name)) || TEMPLATE_VARS_PREFIX.startsWith(name)) return 'a family of schema variables';
  } else if (schemaNames.has(name)) return 'the config schema';
  if (name.startsWith(TEMPLATE_VARS_PREFIX)) return 'EMAIL_TEMPLATE_VARS_*';
  if (EXTERNAL[name] ?? NOT_VARIABLES[name]) return EXTERNAL[name] ?? NOT_VARIABLES[name];
  if (name in SERVICE_ERROR_CODES) return "a code of the service's errors (SERVICE_ERROR_CODES)";
  const external = Object.keys(EXTERNAL_PREFIXES).find((prefix) => name.startsWith(prefix));
  if (external) return EXTERNAL_PREFIXES[external];
  const tool = Object.keys(TOOL_PREFIXES).find((prefix) => name.startsWith(prefix));
  return tool && readInCode(name) ? TOOL_PREFIXES[tool] : undefined;
}

describe('variables in the README, CONTRIBUTING.md and docs/', () => {
  it.each(docPages())('%s names only variables something reads', (page) => {
    const unknown = [...new Set(mentionedNames(readRepoFile(page)))].filter((name) => known(name) === undefined);
    expect(unknown, 'not in the config schema, not read by a tool, not listed as external in this test').toEqual([]);
  });

  it('docs/configuration.md has a table row for every variable of the config schema and every …_ENV list', () => {
    const rows = readRepoFile('docs/configuration.md')
      .split('\n')
      .filter((line) => line.startsWith('|'))
      .join('\n');
    expect([...schemaNames].filter((name) => !rows.includes(`\`${name}\``))).toEqual([]);
  });

  it('reads a family and a typo as a page would', () => {
    expect(mentionedNames('`KAFKA_SSL_*_FILE`, `EMAIL_TEMPLATE_VARS_<NAME>`, $KAFKA_USER, `EMAIL_WORKERZ`')).toEqual([
      'KAFKA_SSL_',
      'EMAIL_TEMPLATE_VARS_',
      'KAFKA_USER',
      'EMAIL_WORKERZ',
    ]);
    expect(known('KAFKA_SSL_')).toBeDefined();
    expect(known('EMAIL_WORKERZ')).toBeUndefined();
    expect(known('CHAOS_NEVER_READ_ANYWHERE')).toBeUndefined();
  });
});
