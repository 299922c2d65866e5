import { existsSync, readdirSync } from 'node:fs';
import { posix } from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../../src/platform/config/config.js';
import { readText, ROOT } from '../../support/deploy/repo-files.js';

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

/** Stages of a Dockerfile, line continuations joined and comments dropped. */
function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op = '', args = ''] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === 'FROM') {
      const [, from = '', name = ''] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ name, from, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

const stages = parseDockerfile(readText('deploy/Dockerfile'));
const stage = (name: string) => {
  const found = stages.find((s) => s.name === name);
  if (!found) throw new Error(`deploy/Dockerfile has no stage "${name}"`);
  return found;
};
const all = (s: Stage, op: string) => s.instructions.filter((i) => i.op === op).map((i) => i.args);
const runtime = stages.at(-1) as Stage;
const defaults = loadConfig({ KAFKA_BROKERS: 'kafka:9092', SMTP_HOST: 'smtp', EMAIL_FROM: 'welcome@acme.test' });

/** Sources of the COPY instructions that read the build context (not --from another stage). */
const contextCopies = (s: Stage) =>
  all(s, 'COPY')
    .filter((args) => !args.startsWith('--from'))
    .flatMap((args) =>
      args
        .replace(/--\S+\s+/g, '')
        .split(/\s+/)
        .slice(0, -1),
    );

/** .dockerignore here is an allow-list: "*" then "!path" lines re-including top-level paths. */
const dockerignore = readText('.dockerignore')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const allowed = dockerignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
const inContext = (path: string) => allowed.some((a) => path === a || path.startsWith(`${a}/`));

/**
 * What `tsc -p tsconfig.build.json` compiles: every .ts under its include folders plus, transitively,
 * every relative import of those (which tsc follows even into excluded folders such as dev/).
 */
function compiledSources(include: readonly string[]): string[] {
  const seen = new Set<string>();
  const queue = include.flatMap((entry) =>
    entry.endsWith('.ts')
      ? [entry]
      : readdirSync(ROOT + entry, { recursive: true, encoding: 'utf8' })
          .filter((f) => f.endsWith('.ts'))
          .map((f) => `${entry}/${f}`),
  );
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, specifier] of readText(file).matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      queue.push(posix.normalize(posix.join(posix.dirname(file), (specifier as string).replace(/\.js$/, '.ts'))));
    }
  }
  return [...seen].filter((f) => f.endsWith('.ts')).sort();
}

describe('deploy/Dockerfile', () => {
  it('builds with dev dependencies and ships production dependencies only', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
    expect(all(stage('build'), 'RUN')).toEqual(expect.arrayContaining([expect.stringMatching(/^npm ci\b(?!.*--omit=dev)/), 'npm run build']));
    expect(all(stage('deps'), 'RUN')).toEqual([expect.stringMatching(/^npm ci --omit=dev\b/)]);
    expect(stages.every((s) => s.from === '${NODE_IMAGE}')).toBe(true);
    // Node 24 LTS on slim Debian, pinned by digest, the tag named in a comment above it.
    expect(readText('deploy/Dockerfile')).toMatch(/^# .*Tag: node:24-bookworm-slim\b.*\n(?:#.*\n)*ARG NODE_IMAGE=node:24-bookworm-slim@sha256:[0-9a-f]{64}$/m);
  });

  it('copies only compiled code, production node_modules, package.json and the shipped email templates into the runtime image', () => {
    expect(contextCopies(runtime)).toEqual(['package.json', 'templates']);
    const fromStages = all(runtime, 'COPY')
      .filter((a) => a.startsWith('--from'))
      .map((a) => a.split(/\s+/).slice(0, 2).join(' '));
    expect(fromStages).toEqual(['--from=deps /app/node_modules', '--from=build /app/dist/src', '--from=build /app/dist/cmd']);
  });

  it('runs the service as a numeric non-root user under tini, on HTTP_PORT', () => {
    expect(all(runtime, 'USER')).toEqual(['10001:10001']);
    expect(all(runtime, 'ENTRYPOINT')).toEqual(['["/usr/bin/tini", "--"]']);
    expect(all(runtime, 'CMD')).toEqual(['["node", "dist/cmd/service.js"]']);
    expect(all(runtime, 'EXPOSE')).toEqual([String(defaults.http.port)]);
    expect(existsSync(`${ROOT}cmd/service.ts`)).toBe(true);
  });

  it("labels the image the OCI way: its source, its version (= package.json's by default) and the commit it was built from", () => {
    const args = Object.fromEntries(all(runtime, 'ARG').map((a) => a.split('=') as [string, string?]));
    const labels = Object.fromEntries(
      [
        ...all(runtime, 'LABEL')
          .join(' ')
          .matchAll(/([\w.]+)="([^"]*)"/g),
      ].map(([, key, value]) => [key, value]),
    );
    expect(labels['org.opencontainers.image.source']).toMatch(/^https:\/\/\S+\/email-dispatcher$/);
    expect(labels['org.opencontainers.image.version']).toBe('${VERSION}');
    expect(labels['org.opencontainers.image.revision']).toBe('${REVISION}');
    expect(args.VERSION).toBe((JSON.parse(readText('package.json')) as { version: string }).version);
    // No default revision: a build that does not pass one says so rather than naming a wrong commit.
    expect(Object.keys(args)).toContain('REVISION');
    expect(readText('deploy/Dockerfile')).toMatch(/--build-arg REVISION=\$\(git rev-parse HEAD\)/);
  });

  it('has in its build context every file the build compiles (tsconfig.build.json and what it imports)', () => {
    const copied = contextCopies(stage('build')).map((c) => c.replace(/^\.\//, ''));
    const { include } = JSON.parse(readText('tsconfig.build.json')) as { include: string[] };
    const compiled = compiledSources(include);
    expect(compiled).toContain('cmd/service.ts');
    for (const file of compiled) {
      expect(inContext(file), `${file} is left out by .dockerignore`).toBe(true);
      expect(
        copied.some((c) => file === c || file.startsWith(`${c}/`)),
        `${file} is not copied into the build stage`,
      ).toBe(true);
    }
  });

  it('compiles only what the image runs: the service, the redrive CLI and send-test, nothing of dev/, bench/ or the dev entry points', () => {
    const { include } = JSON.parse(readText('tsconfig.build.json')) as { include: string[] };
    const compiled = compiledSources(include);
    expect(compiled.filter((f) => f.startsWith('cmd/'))).toEqual(['cmd/redrive.ts', 'cmd/send-test.ts', 'cmd/service.ts']);
    expect(compiled.filter((f) => !f.startsWith('src/') && !f.startsWith('cmd/'))).toEqual([]);
  });

  it('sends nothing but the sources to the Docker daemon (.dockerignore allow-list)', () => {
    expect(dockerignore[0]).toBe('*');
    for (const source of [...contextCopies(stage('build')), ...contextCopies(stage('deps')), ...contextCopies(runtime)])
      expect(inContext(source), source).toBe(true);
    for (const kept of ['node_modules', 'dist', '.git', 'test', 'deploy', '.local', 'docs']) expect(inContext(kept), kept).toBe(false);
  });
});
