import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** What runs: the service's version and those of Node and the two clients that matter most. */
export interface BuildInfo {
  readonly version: string;
  readonly node: string;
  readonly kafkajs: string;
  readonly nodemailer: string;
}

/** The version field of a package.json, or 'unknown'. */
function versionOf(file: string): string {
  try {
    const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The service's own package.json: the nearest one above this file (src/ in development, dist/src in the image). */
function ownPackageJson(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) return candidate;
      dir = parent;
    }
  }
}

export function buildInfo(): BuildInfo {
  return {
    version: versionOf(ownPackageJson()),
    node: process.versions.node,
    kafkajs: versionOf(require.resolve('kafkajs/package.json')),
    nodemailer: versionOf(require.resolve('nodemailer/package.json')),
  };
}
