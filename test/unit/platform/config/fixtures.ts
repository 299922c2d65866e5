/** Shared by the config, TLS-file and secret-file tests (and the rotation tests): no test of its own. */
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, expect } from 'vitest';

import { createCertificateAuthority, type IssuedCertificate } from '../../../../dev/kafka/certificates.js';
import { loadConfig } from '../../../../src/platform/config/config.js';
import { ConfigError } from '../../../../src/platform/service-error.js';

export const REQUIRED = { KAFKA_BROKERS: 'kafka-0:9093', SMTP_HOST: 'smtp.acme.test', EMAIL_FROM: 'Acme <welcome@acme.test>' } as const;

/** The problems `loadConfig` reports for the required variables plus `env`; fails the test when it does not throw a ConfigError. */
export function problemsFor(env: Record<string, string>): readonly string[] {
  try {
    loadConfig({ ...REQUIRED, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

/** A temporary directory, removed after the calling file's tests. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A CA and two client certificates it signed, made with openssl in `dir`. */
export async function clientCertificates(dir: string): Promise<{ ca: string; client: IssuedCertificate; other: IssuedCertificate }> {
  const authority = await createCertificateAuthority(dir, 'unit-ca');
  return { ca: authority.cert, client: await authority.issue('client', { usage: 'client' }), other: await authority.issue('other', { usage: 'client' }) };
}

let volumes = 0;
/**
 * A Secret volume as the kubelet writes it into `parent`: `password` → `..data/password`, `..data` →
 * `..<version>`; `rotate` publishes a new version by renaming a new symlink over `..data` (atomic).
 */
export function secretVolume(parent: string, value: string): { file: string; rotate(next: string): void } {
  const dir = join(parent, `secret-volume-${volumes++}`);
  mkdirSync(dir);
  let version = 0;
  const rotate = (next: string): void => {
    const target = `..2026_01_01_00_00_${String(version++).padStart(2, '0')}`;
    mkdirSync(join(dir, target));
    writeFileSync(join(dir, target, 'password'), next);
    symlinkSync(target, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  };
  rotate(value);
  symlinkSync('..data/password', join(dir, 'password'));
  return { file: join(dir, 'password'), rotate };
}
