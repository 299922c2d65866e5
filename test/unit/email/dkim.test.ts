import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// mailauth (Postal Systems) verifies as a receiving MTA would; its resolver is the test's DNS.
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { afterAll, describe, expect, it } from 'vitest';

import { signupEvent } from '../../../dev/signup-event.js';
import { startSmtpSink } from '../../../dev/smtp-sink.js';
import { composeWelcomeEmail } from '../../../src/email/compose-welcome-email.js';
import { createDkimSigner } from '../../../src/email/dkim-signer.js';
import { renderWelcomeEmail } from '../../../src/email/render-welcome-email.js';
import { dkimKeyFileProblem } from '../../../src/platform/config/files.js';
import { createSmtpMailer } from '../../../src/smtp/mailer.js';
import { useCleanup } from '../../support/cleanup.js';

const SITE = { from: 'Acme <welcome@acme.test>', domain: 'acme.test' };
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_B64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const DKIM = { domain: 'acme.test', selector: 'mail2026', privateKey: PRIVATE_PEM };

/** The DNS a verifier would ask: only our selector's TXT record exists. */
const resolver = async (name: string, type: string) => {
  if (type === 'TXT' && name === 'mail2026._domainkey.acme.test') return [[`v=DKIM1; k=rsa; p=${PUBLIC_B64}`]];
  throw Object.assign(new Error(`no ${type} for ${name}`), { code: 'ENOTFOUND' });
};

async function verdict(raw: Buffer): Promise<string | undefined> {
  const { results } = await dkimVerify(raw, { resolver });
  return results[0]?.status?.result;
}

const cleanup = useCleanup();

const mail = (eventId: string, user: Record<string, unknown> = {}) =>
  renderWelcomeEmail(signupEvent(eventId, { user: { id: 'u-1', email: `${eventId}@example.test`, ...user } }), SITE);

describe('DKIM signing of the composed bytes', () => {
  const sign = createDkimSigner(DKIM);

  it.each([
    ['a plain ASCII name', mail('dkim-1', { name: 'Ada Lovelace' })],
    ['a non-ASCII name (encoded words)', mail('dkim-2', { name: 'Zoë O’Hara-Ångström 山田' })],
    ['a long subject (folded)', mail('dkim-3', { name: 'Maximilian Alexander von Hohenzollern-Sigmaringen und Wittelsbach'.repeat(2) })],
    ['no name', mail('dkim-4')],
  ])('%s: a verifier with the published key says pass', async (_what, welcome) => {
    const prepared = await composeWelcomeEmail(welcome);
    const raw = await sign(prepared.raw);
    expect(raw.subarray(0, 16).toString()).toBe('DKIM-Signature: ');
    expect(raw.toString()).toMatch(/d=acme\.test;[\s\S]*s=mail2026;/);
    expect(await verdict(raw)).toBe('pass');
  });

  it('the manifest\u2019s headers are signed (RFC 8058 4): a List-Unsubscribe-Post added or changed after signing fails', async () => {
    const headers = [
      ['Feedback-ID', 'verify:acme'],
      ['List-Unsubscribe', '<https://acme.test/u?e=dkim-6>'],
      ['List-Unsubscribe-Post', 'List-Unsubscribe=One-Click'],
    ] as const;
    const raw = await sign((await composeWelcomeEmail({ ...mail('dkim-6', { name: 'Ada' }), headers })).raw);
    expect(raw.toString()).toMatch(/h=[^;]*List-Unsubscribe:List-Unsubscribe-Post:Feedback-ID:Auto-Submitted/i);
    expect(await verdict(raw)).toBe('pass');
    expect(await verdict(Buffer.from(raw.toString().replace('https://acme.test/u?e=dkim-6', 'https://evil.test/u?e=dkim-6')))).toBe('fail');
    expect(
      await verdict(
        Buffer.from(raw.toString().replace('List-Unsubscribe-Post: List-Unsubscribe=One-Click', 'List-Unsubscribe-Post: List-Unsubscribe=One-Clicks')),
      ),
    ).toBe('fail');
  });

  it('a message changed after signing fails verification', async () => {
    const raw = await sign((await composeWelcomeEmail(mail('dkim-5', { name: 'Ada' }))).raw);
    expect(await verdict(Buffer.from(raw.toString().replace('Welcome', 'Welcomf')))).toBe('fail');
  });

  it('the SMTP mailer signs what it composes ahead, and the server receives it signed and verifiable', async () => {
    const sink = await startSmtpSink();
    cleanup.push(() => sink.stop());
    const mailer = createSmtpMailer({
      host: sink.host,
      port: sink.port,
      secure: false,
      requireTls: false,
      tlsRejectUnauthorized: true,
      user: '',
      pass: '',
      timeoutMs: 5_000,
      sendTimeoutMs: 10_000,
      connections: 1,
      dkim: DKIM,
    });
    cleanup.push(() => mailer.close());
    await mailer.send(await mailer.prepare(mail('dkim-6', { name: 'Zoë' })));
    const received = sink.received[0];
    expect(received?.raw?.toString()).toContain('DKIM-Signature: ');
    expect(await verdict(received?.raw as Buffer)).toBe('pass');
  });
});

describe('dkimKeyFileProblem', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dkim-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const at = path.join(dir, name);
    writeFileSync(at, text);
    return at;
  };

  it('accepts an RSA key of 2048 bits', () => {
    expect(dkimKeyFileProblem(file('ok.pem', PRIVATE_PEM))).toBeUndefined();
  });

  it.each([
    [
      'an Ed25519 key (the signer signs with RSA only)',
      () => file('ed.pem', generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      /RSA only/,
    ],
    [
      'a 512-bit RSA key',
      () => file('short.pem', generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      /under 1024 bits/,
    ],
    ['no key at all', () => file('junk.pem', 'hello'), /no unencrypted PEM private key/],
    ['a missing file', () => path.join(dir, 'absent.pem'), /cannot read/],
  ])('refuses %s, naming the variable', (_what, make, message) => {
    const problem = dkimKeyFileProblem(make());
    expect(problem).toMatch(/^DKIM_PRIVATE_KEY_FILE: /);
    expect(problem).toMatch(message);
  });
});
