import convict from 'convict';

import { ConfigError } from '../service-error.js';
import { readTracingConfig } from '../tracing/tracing-config.js';
import { checkLeaf } from './check-leaf.js';
import { CROSS_RULES } from './cross-rules.js';
import { tlsFileProblems, unreadableTlsFiles } from './files.js';
import { FROM } from './formats.js';
import { type Config, FILE_SECRETS, schema, TEMPLATE_VARS_PREFIX } from './schema.js';
import { readSecretFile } from './secret-file.js';
import { readTemplateVars } from './template-vars.js';

type SchemaNode = { env?: string; sensitive?: boolean; format?: unknown; default?: unknown; [k: string]: unknown };

function walk(node: Record<string, unknown>, prefix: string, out: Map<string, SchemaNode>): Map<string, SchemaNode> {
  for (const [key, value] of Object.entries(node)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const child = value as SchemaNode;
    if (typeof child.env === 'string') out.set(path, child);
    else walk(child as Record<string, unknown>, path, out);
  }
  return out;
}

const LEAVES = walk(schema, '', new Map());

/** Every environment variable the service reads, including the `_FILE` twins of secrets. */
export function configEnvNames(): string[] {
  // A password's _FILE is a schema key as well: listed once.
  return [...new Set([...[...LEAVES.values()].map((leaf) => leaf.env as string), ...FILE_SECRETS.map((name) => `${name}_FILE`)])];
}

/** Prefixes of the service's own variables: a set variable with one the schema does not know is a typo. */
const SERVICE_PREFIXES = ['KAFKA_', 'SMTP_', 'EMAIL_', 'IDEMPOTENCY_'] as const;

/**
 * Set variables that look like the service's (by prefix) but that it does not read, e.g.
 * `EMAIL_WORKERS` for `EMAIL_WORKER_COUNT`: silently falling back to the default would be an incident.
 */
export function unknownServiceVariables(env: NodeJS.ProcessEnv): string[] {
  const known = new Set(configEnvNames());
  return (
    Object.keys(env)
      // SMTP_SINK_*: the local SMTP sink's own settings (npm run smtp), often in the same shell.
      // EMAIL_TEMPLATE_VARS_*: a family, read by name; the templates say which they use.
      .filter(
        (name) =>
          SERVICE_PREFIXES.some((prefix) => name.startsWith(prefix)) &&
          !name.startsWith('SMTP_SINK_') &&
          !name.startsWith(TEMPLATE_VARS_PREFIX) &&
          !known.has(name),
      )
      .sort()
  );
}

/** The variables that have no usable default and must be set. */
export const REQUIRED_ENV = ['KAFKA_BROKERS', 'SMTP_HOST', 'EMAIL_FROM'] as const;

const BOOLEAN_ENV = new Set([...LEAVES.values()].filter((leaf) => leaf.format === Boolean).map((leaf) => leaf.env as string));

/**
 * Reads, validates and freezes the configuration from `env`. Throws `ConfigError` with one line per
 * bad variable; never echoes a secret's value.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const resolved: Record<string, string> = {};
  for (const leaf of LEAVES.values()) {
    const name = leaf.env as string;
    const value = env[name];
    if (value !== undefined) resolved[name] = value;
  }
  // Variables already reported are not checked again.
  const reported = new Set<string>();
  // A line break would split a problem line: a value like "k:9092\nSMTP_PASS: x" would forge a
  // problem line that seems to echo SMTP_PASS.
  for (const leaf of LEAVES.values()) {
    const name = leaf.env as string;
    const value = resolved[name];
    if (value !== undefined && !leaf.sensitive && /[\r\n]/.test(value)) {
      problems.push(`${name}: must not contain line breaks`);
      reported.add(name);
      delete resolved[name];
    }
  }
  for (const name of FILE_SECRETS) {
    const file = env[`${name}_FILE`];
    if (file === undefined || file === '') continue;
    if (env[name] !== undefined && env[name] !== '') {
      problems.push(`${name}: set either ${name} or ${name}_FILE, not both`);
      continue;
    }
    try {
      resolved[name] = readSecretFile(file);
    } catch (err) {
      problems.push(`${name}_FILE: cannot read ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  // The clients read these files when they are built; a bad mount must fail here, named, not as a stack trace.
  problems.push(...unreadableTlsFiles(resolved, reported));
  // convict's Boolean format accepts anything truthy; be strict so "ture" is an error, not true.
  for (const name of BOOLEAN_ENV) {
    const value = resolved[name];
    if (value !== undefined && !/^(true|false|1|0)$/i.test(value)) {
      problems.push(`${name}: expected true or false, got ${JSON.stringify(value)}`);
      reported.add(name);
      delete resolved[name];
    }
  }

  // Every variable checked on its own, by the same formats convict was given: one line each, named.
  for (const leaf of LEAVES.values()) {
    const name = leaf.env as string;
    if (reported.has(name)) continue;
    const raw = resolved[name];
    const problem = checkLeaf(leaf, raw);
    if (problem === undefined) continue;
    // Only a non-secret value is shown, JSON-quoted so it stays on one line.
    problems.push(`${name}: ${problem}${raw === undefined || leaf.sensitive ? '' : `, got ${JSON.stringify(raw)}`}`);
    delete resolved[name];
  }
  const templateVars = readTemplateVars(env);
  problems.push(...templateVars.problems);
  // OTEL_*: the OpenTelemetry variables, read by their spec's rules (docs/operations.md, Tracing).
  const tracing = readTracingConfig(env);
  problems.push(...tracing.problems);
  const config = convict(schema as never, { env: resolved, args: [] });
  if (problems.length === 0) {
    try {
      config.validate({ allowed: 'strict' });
    } catch {
      // Our checks passed what convict refused: a schema change that checkLeaf does not know yet.
      problems.push('configuration: refused by the schema although every variable passed its own check (a bug: report it)');
    }
  }
  const props = problems.length === 0 ? (config.getProperties() as unknown as Config) : undefined;
  if (props) for (const rule of CROSS_RULES) problems.push(...[rule(props)].filter((p): p is string => p !== undefined));
  if (problems.length > 0 || !props) throw new ConfigError(problems);
  return deepFreeze(Object.assign(props, { email: { ...props.email, templateVars: templateVars.vars }, tracing: tracing.config }));
}

/**
 * Checks what the TLS files hold (`tlsFileProblems`): run at start by the entry points after
 * loadConfig. Throws `ConfigError` like loadConfig, one line per problem.
 */
export function checkTlsFiles(config: Config): void {
  const problems = tlsFileProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
}

/** The domain part of EMAIL_FROM, used for deterministic Message-IDs. */
export function fromDomain(from: string): string {
  const match = FROM.exec(from);
  const domain = match?.[1] ?? match?.[2];
  if (!domain) throw new Error('EMAIL_FROM has no domain');
  return domain.toLowerCase();
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
