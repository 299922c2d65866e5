/**
 * SMTP security against a real SMTP server (dev/smtp-sink.ts) and the shared broker: STARTTLS required
 * and refused, certificates verified or knowingly not, and the SMTP password rotated while the service
 * runs, by a Secret swapped the way the kubelet swaps it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';

import { createCertificateAuthority } from '../../dev/kafka/certificates.js';
import { type SmtpSink, type SmtpSinkOptions, startSmtpSink } from '../../dev/smtp-sink.js';
import { committedLag, createWorld, metricValue, produceEvents, readDlq, serviceEnv, startApp, until, type World } from '../support/app-harness.js';
import { type ServiceProcess, startService } from '../support/service-process.js';
import { secretVolume } from '../unit/platform/config/fixtures.js';

const dir = mkdtempSync(path.join(tmpdir(), 'security-smtp-'));
const OLD = 'Old-smtp-s3cret';
const NEW = 'New-smtp-s3cret';
let ca: string;
let serverTls: { key: string; cert: string };

beforeAll(async () => {
  const authority = await createCertificateAuthority(dir, 'smtp-relay-ca');
  const server = await authority.issue('smtp-relay', { usage: 'server', altNames: ['DNS:localhost', 'IP:127.0.0.1'] });
  ca = authority.cert;
  serverTls = { key: readFileSync(server.key, 'utf8'), cert: readFileSync(server.cert, 'utf8') };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let world: World;
const stops: Array<() => Promise<unknown>> = [];
beforeEach(async () => {
  world = await createWorld(inject('kafkaBrokers'));
});
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  await world.close();
});

async function sink(options: SmtpSinkOptions): Promise<SmtpSink> {
  const started = await startSmtpSink({ auth: { user: 'mailer', pass: OLD }, ...options });
  stops.push(() => started.stop());
  return started;
}

function service(env: Record<string, string>): ServiceProcess {
  const started = startService({ LOG_LEVEL: 'info', ...env });
  stops.push(async () => {
    started.kill('SIGKILL');
    await started.exited;
  });
  return started;
}

const STARTTLS = { SMTP_REQUIRE_TLS: 'true', SMTP_USER: 'mailer', SMTP_PASS: OLD };
const errorsOf = (s: ServiceProcess) => s.logs().filter((l) => l.level === 'error' || l.level === 'fatal');

describe('SMTP_REQUIRE_TLS and the server certificate, at start', () => {
  it('SMTP_REQUIRE_TLS=true against a server without STARTTLS › fatal at start in one line; nothing logged in, sent, consumed or committed', async () => {
    const plain = await sink({});
    await produceEvents(world, ['starttls-1', 'starttls-2']);
    const refused = service(serviceEnv(world, plain.port, STARTTLS));
    expect(await refused.exited).toBe(1);
    expect(errorsOf(refused)).toEqual([
      expect.objectContaining({
        level: 'fatal',
        msg: expect.stringMatching(/^startup failed: SMTP server did not upgrade to TLS \(.*\); SMTP_REQUIRE_TLS=true forbids sending without it$/),
      }),
    ]);
    expect({ mails: plain.count, logins: plain.authFailures, lag: await committedLag(world) }).toEqual({ mails: 0, logins: 0, lag: 2 });
    expect(refused.lines.join('\n')).not.toContain(OLD);
  });

  it('a certificate the service cannot verify › fatal at start in one line naming SMTP_TLS_CA_FILE', async () => {
    const relay = await sink({ tls: { ...serverTls, mode: 'starttls' } });
    await produceEvents(world, ['cert-1']);
    const refused = service(serviceEnv(world, relay.port, STARTTLS));
    expect(await refused.exited).toBe(1);
    expect(errorsOf(refused)).toEqual([
      expect.objectContaining({ msg: expect.stringMatching(/^startup failed: SMTP server certificate does not verify \(.*\); set SMTP_TLS_CA_FILE/) }),
    ]);
    expect({ mails: relay.count, lag: await committedLag(world) }).toEqual({ mails: 0, lag: 1 });
  });

  it('SMTP_TLS_REJECT_UNAUTHORIZED=false › accepted with a warning at start naming it; mail flows over STARTTLS', async () => {
    const relay = await sink({ tls: { ...serverTls, mode: 'starttls' } });
    await produceEvents(world, ['unverified-1']);
    const running = service(serviceEnv(world, relay.port, { ...STARTTLS, SMTP_TLS_REJECT_UNAUTHORIZED: 'false' }));
    await relay.waitFor(1, { timeoutMs: 60_000 });
    expect(running.logs().filter((l) => l.level === 'warn')).toEqual([
      expect.objectContaining({
        variable: 'SMTP_TLS_REJECT_UNAUTHORIZED',
        msg: expect.stringMatching(/^SMTP_TLS_REJECT_UNAUTHORIZED=false: the SMTP server certificate is not verified/),
      }),
    ]);
    running.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  });
});

describe('SMTP password rotation while the service runs', () => {
  it('the Secret changes, then the server’s password › mail keeps flowing over verified STARTTLS, nothing dead-lettered, no restart, no password logged', async () => {
    const relay = await sink({ tls: { ...serverTls, mode: 'starttls' } });
    // SMTP_PASS_FILE as the kubelet mounts a Secret; `rotate` swaps its `..data` symlink atomically.
    const secret = secretVolume(dir, OLD);
    const logs: string[] = [];
    const env = serviceEnv(world, relay.port, {
      SMTP_REQUIRE_TLS: 'true',
      SMTP_TLS_CA_FILE: ca,
      SMTP_USER: 'mailer',
      SMTP_PASS_FILE: secret.file,
      EMAIL_WORKER_COUNT: '3',
      EMAIL_RETRY_DELAYS_MS: '200',
      LOG_LEVEL: 'debug',
    });
    const app = await startApp(env, { logs });
    stops.push(() => app.stop());
    let stoppedEarly = false;
    void app.done.then(() => (stoppedEarly = true));
    const batch = async (prefix: string, total: number) => {
      await produceEvents(
        world,
        Array.from({ length: 10 }, (_, i) => `${prefix}-${i}`),
      );
      await relay.waitFor(total, { timeoutMs: 30_000 });
    };

    await batch('before', 10);
    // The kubelet publishes the new Secret; the server still has the old password. New connections
    // (the server dropped the old ones) must not stop the service.
    secret.rotate(`${NEW}\n`);
    relay.dropConnections();
    await batch('secret-rotated', 20);
    // The new password was tried once, by one probe login all workers waited for, then the old one carried on.
    expect(relay.authFailures).toBe(1);
    // Now the server's password changes, and its connections end again.
    relay.setAuth({ user: 'mailer', pass: NEW });
    relay.dropConnections();
    await batch('server-rotated', 30);

    await until(async () => (await committedLag(world)) === 0, { what: 'committed lag 0' });
    expect(stoppedEarly).toBe(false);
    expect(await metricValue(app, 'email_dispatcher_dead_lettered_total')).toBe(0);
    expect(await readDlq(world, { expect: 1, timeoutMs: 3_000 })).toEqual([]);
    // Then the old password was refused at most once per pooled connection (3 workers) before the new one took over.
    expect(relay.authFailures).toBeGreaterThan(1);
    expect(relay.authFailures).toBeLessThanOrEqual(1 + 3);
    expect(relay.duplicates).toBe(0);
    expect(logs.join('\n')).not.toMatch(new RegExp(`${OLD}|${NEW}`));
  });
});

describe('the fallback relay at start', () => {
  it('the fallback refuses our login while the primary answers › exit 1 at start in one line naming SMTP_FALLBACK_USER / SMTP_FALLBACK_PASS; nothing sent or committed, no password logged', async () => {
    const primary = await sink({});
    const fallback = await sink({});
    await produceEvents(world, ['fb-login-1']);
    const refused = service(
      serviceEnv(world, primary.port, {
        SMTP_USER: 'mailer',
        SMTP_PASS: OLD,
        SMTP_FALLBACK_HOST: '127.0.0.1',
        SMTP_FALLBACK_PORT: String(fallback.port),
        SMTP_FALLBACK_USER: 'mailer',
        SMTP_FALLBACK_PASS: NEW,
      }),
    );
    expect(await refused.exited).toBe(1);
    expect(errorsOf(refused)).toEqual([
      expect.objectContaining({
        level: 'fatal',
        msg: expect.stringMatching(
          /^startup failed: the fallback SMTP relay \(SMTP_FALLBACK_HOST\) rejected the credentials of SMTP_FALLBACK_USER \/ SMTP_FALLBACK_PASS \(.*535.*\)$/,
        ),
      }),
    ]);
    expect({ mails: primary.count + fallback.count, lag: await committedLag(world) }).toEqual({ mails: 0, lag: 1 });
    expect(refused.lines.join('\n')).not.toMatch(new RegExp(`${OLD}|${NEW}`));
  });

  it('the fallback\u2019s certificate does not verify › exit 1 at start in one line naming the fallback relay and SMTP_TLS_CA_FILE', async () => {
    const primary = await sink({ tls: { ...serverTls, mode: 'starttls' } });
    const stranger = await createCertificateAuthority(dir, 'stranger-ca');
    const issued = await stranger.issue('fallback-relay', { usage: 'server', altNames: ['DNS:localhost', 'IP:127.0.0.1'] });
    const fallback = await sink({ tls: { key: readFileSync(issued.key, 'utf8'), cert: readFileSync(issued.cert, 'utf8'), mode: 'starttls' } });
    await produceEvents(world, ['fb-cert-1']);
    const env = {
      ...STARTTLS,
      SMTP_TLS_CA_FILE: ca,
      SMTP_FALLBACK_HOST: '127.0.0.1',
      SMTP_FALLBACK_PORT: String(fallback.port),
      SMTP_FALLBACK_USER: 'mailer',
      SMTP_FALLBACK_PASS: OLD,
    };
    const refused = service(serviceEnv(world, primary.port, env));
    expect(await refused.exited).toBe(1);
    expect(errorsOf(refused)).toEqual([
      expect.objectContaining({
        msg: expect.stringMatching(
          /^startup failed: the fallback SMTP relay \(SMTP_FALLBACK_HOST\): SMTP server certificate does not verify .*SMTP_TLS_CA_FILE/,
        ),
      }),
    ]);
    expect({ mails: primary.count + fallback.count, lag: await committedLag(world) }).toEqual({ mails: 0, lag: 1 });
  });
});

describe('a relay whose password changed while its circuit was open', () => {
  it('the only relay comes back refusing our login (and the previous password) › exit 1 with a fatal line naming the refusal, instead of waiting for ever; nothing dead-lettered', async () => {
    const relay = await sink({});
    const env = serviceEnv(world, relay.port, {
      SMTP_USER: 'mailer',
      SMTP_PASS: OLD,
      SMTP_BREAKER_THRESHOLD: '2',
      SMTP_BREAKER_PROBE_INTERVAL_MS: '300',
      EMAIL_RETRY_DELAYS_MS: '100',
    });
    const running = service(env);
    await produceEvents(world, ['open-1']);
    await relay.waitFor(1, { timeoutMs: 60_000 });
    await relay.setDown(true);
    await produceEvents(world, ['open-2', 'open-3', 'open-4']);
    await until(() => running.logs().some((l) => /SMTP circuit opened/.test(String(l.msg))), { what: 'the circuit open', timeoutMs: 30_000 });
    relay.setAuth({ user: 'mailer', pass: NEW });
    await relay.setDown(false);
    expect(await running.exited).toBe(1);
    // The probe's line ('SMTP refuses us and waiting will not fix it'), or the dispatcher's when a send
    // in flight met the relay first; both at once in a race. Each a line naming the 535, no stack.
    const fatal = running.logs().filter((l) => l.level === 'fatal');
    expect(fatal.length).toBeGreaterThan(0);
    expect(fatal.filter((l) => !/535/.test(String(l.error)) || 'err' in l)).toEqual([]);
    expect(await readDlq(world, { expect: 1, timeoutMs: 3_000 })).toEqual([]);
    expect(running.lines.join('\n')).not.toMatch(new RegExp(`${OLD}|${NEW}`));
  });

  it('the only relay comes back with a certificate the service cannot verify › exit 1 with one fatal line naming the certificate; nothing dead-lettered', async () => {
    const relay = await sink({ tls: { ...serverTls, mode: 'starttls' } });
    const running = service(
      serviceEnv(world, relay.port, {
        ...STARTTLS,
        SMTP_TLS_CA_FILE: ca,
        SMTP_BREAKER_THRESHOLD: '2',
        SMTP_BREAKER_PROBE_INTERVAL_MS: '300',
        EMAIL_RETRY_DELAYS_MS: '100',
      }),
    );
    await produceEvents(world, ['cert-changed-1']);
    await relay.waitFor(1, { timeoutMs: 60_000 });
    // The relay is replaced, on the same port, by one whose certificate another CA signed.
    await relay.stop();
    const stranger = await createCertificateAuthority(dir, 'replaced-ca');
    const issued = await stranger.issue('smtp-relay-replaced', { usage: 'server', altNames: ['DNS:localhost', 'IP:127.0.0.1'] });
    const replaced = await sink({
      port: relay.port,
      tls: { key: readFileSync(issued.key, 'utf8'), cert: readFileSync(issued.cert, 'utf8'), mode: 'starttls' },
    });
    await produceEvents(world, ['cert-changed-2', 'cert-changed-3']);
    expect(await running.exited).toBe(1);
    // By a live send or by the probe, whichever meets the new relay first: one line either way.
    const fatal = running.logs().filter((l) => l.level === 'fatal');
    expect(fatal).toHaveLength(1);
    expect(JSON.stringify(fatal[0])).toMatch(/certificate/i);
    expect(replaced.count).toBe(0);
    expect(await readDlq(world, { expect: 1, timeoutMs: 3_000 })).toEqual([]);
  });
});
