import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createCertificateAuthority, type IssuedCertificate } from '../../../dev/kafka/certificates.js';
import { signupEvent } from '../../../dev/signup-event.js';
import { type SmtpSinkOptions, startSmtpSink } from '../../../dev/smtp-sink.js';
import { composeWelcomeEmail } from '../../../src/email/compose-welcome-email.js';
import { renderWelcomeEmail } from '../../../src/email/render-welcome-email.js';
import { FatalStartupError } from '../../../src/platform/service-error.js';
import { classifySmtpError, tlsRefusalReason } from '../../../src/smtp/errors.js';
import { createSmtpMailer, type SmtpMailerOptions } from '../../../src/smtp/mailer.js';
import { createSmtpVerifier } from '../../../src/smtp/verifier.js';
import { useCleanup } from '../../support/cleanup.js';
import { silentLogger } from '../../support/pipeline.js';

const tmp = mkdtempSync(join(tmpdir(), 'mailer-tls-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const cleanup = useCleanup();

let ca: string;
let server: IssuedCertificate;
beforeAll(async () => {
  const authority = await createCertificateAuthority(tmp, 'smtp-test-ca');
  ca = authority.cert;
  server = await authority.issue('smtp-server', { usage: 'server', altNames: ['DNS:localhost', 'IP:127.0.0.1'] });
});

const tls = (mode: 'starttls' | 'implicit') => ({ key: readFileSync(server.key), cert: readFileSync(server.cert), mode });

async function mailerAgainst(sinkOptions: SmtpSinkOptions, options: Partial<SmtpMailerOptions>) {
  const sink = await startSmtpSink({ auth: { user: 'mailer', pass: 'tls-pass' }, ...sinkOptions });
  cleanup.push(() => sink.stop());
  const mailer = createSmtpMailer({
    host: sink.host,
    port: sink.port,
    secure: false,
    requireTls: true,
    tlsRejectUnauthorized: true,
    user: 'mailer',
    pass: 'tls-pass',
    timeoutMs: 5_000,
    sendTimeoutMs: 10_000,
    connections: 1,
    ...options,
  });
  cleanup.push(() => mailer.close());
  return { sink, mailer };
}

/** What the verifier's first try (before anything is consumed) makes of this mailer. */
async function startVerdict(verify: () => Promise<void>): Promise<unknown> {
  const verifier = createSmtpVerifier({ verify, retryMs: 60_000, onVerified: () => {}, onFatal: () => {}, logger: silentLogger });
  cleanup.push(() => verifier.stop());
  return verifier.start().then(
    () => 'started',
    (err: unknown) => err,
  );
}

const mail = async () => composeWelcomeEmail(renderWelcomeEmail(signupEvent('tls-1'), { from: 'Acme <welcome@acme.test>', domain: 'acme.test' }));

describe('SMTP_REQUIRE_TLS against a server without STARTTLS', () => {
  it('refuses at start, fatally, naming SMTP_REQUIRE_TLS; never logs in or sends in plaintext', async () => {
    const { sink, mailer } = await mailerAgainst({}, {});
    const verdict = await startVerdict(() => mailer.verify());
    expect(verdict).toBeInstanceOf(FatalStartupError);
    expect((verdict as Error).message).toMatch(/^SMTP server did not upgrade to TLS \(.*\); SMTP_REQUIRE_TLS=true forbids sending without it$/);
    await expect(mailer.send(await mail())).rejects.toMatchObject({ code: 'ETLS' });
    expect(sink.count).toBe(0);
    expect(sink.authFailures).toBe(0);
  });
});

describe('the SMTP server certificate', () => {
  it('signed by a CA the service does not know › refused at start, naming SMTP_TLS_CA_FILE', async () => {
    const { mailer } = await mailerAgainst({ tls: tls('starttls') }, {});
    const verdict = await startVerdict(() => mailer.verify());
    expect(verdict).toBeInstanceOf(FatalStartupError);
    expect((verdict as Error).message).toMatch(/^SMTP server certificate does not verify \(.+\); set SMTP_TLS_CA_FILE/);
  });

  it('a live send to it › fatal, as at start: waiting cannot fix a certificate', async () => {
    const { sink, mailer } = await mailerAgainst({ tls: tls('starttls') }, {});
    const err = await mailer.send(await mail()).catch((e: unknown) => e);
    expect(classifySmtpError(err)).toMatchObject({ kind: 'fatal', serverWide: true });
    expect(sink.count).toBe(0);
  });

  it('the same with implicit TLS (SMTP_SECURE)', async () => {
    const { mailer } = await mailerAgainst({ tls: tls('implicit') }, { secure: true });
    await expect(mailer.verify()).rejects.toSatisfy((err: unknown) => tlsRefusalReason(err)?.startsWith('SMTP server certificate does not verify') === true);
  });

  it('with SMTP_TLS_CA_FILE › verified over STARTTLS, and mail goes out', async () => {
    const { sink, mailer } = await mailerAgainst({ tls: tls('starttls') }, { tlsCaFile: ca });
    expect(await startVerdict(() => mailer.verify())).toBe('started');
    await mailer.send(await mail());
    expect(sink.count).toBe(1);
  });

  it('with SMTP_TLS_REJECT_UNAUTHORIZED=false › accepted unverified (the service warns at start)', async () => {
    const { sink, mailer } = await mailerAgainst({ tls: tls('starttls') }, { tlsRejectUnauthorized: false });
    await mailer.send(await mail());
    expect(sink.count).toBe(1);
  });

  it('a verify that fails on the network, not on TLS › no verdict: retried in the background', () => {
    expect(tlsRefusalReason(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ESOCKET', originalCode: 'ECONNREFUSED' }))).toBeUndefined();
    expect(tlsRefusalReason(Object.assign(new Error('Connection closed unexpectedly'), { code: 'ETLS' }))).toBeUndefined();
  });
});
