import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { FatalStartupError } from '../../../src/platform/service-error.js';
import { createSmtpVerifier } from '../../../src/smtp/verifier.js';
import { silentLogger, smtpError } from '../../support/pipeline.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const authFailure = () => Object.assign(new Error('535 5.7.8 Authentication credentials invalid'), { code: 'EAUTH', responseCode: 535 });

function setup(answers: Array<'ok' | 'down' | 'auth'>) {
  const verified: number[] = [];
  const fatal: string[] = [];
  const verify = vi.fn(async () => {
    const answer = answers.shift() ?? 'ok';
    if (answer === 'down') throw smtpError(undefined, 'ECONNREFUSED');
    if (answer === 'auth') throw authFailure();
  });
  const verifier = createSmtpVerifier({
    verify,
    retryMs: 5_000,
    onVerified: () => verified.push(Date.now()),
    onFatal: (r) => fatal.push(r),
    logger: silentLogger,
  });
  return { verifier, verify, verified, fatal };
}

describe('SMTP verifier', () => {
  it('when the server answers at start › is verified before consuming', async () => {
    const { verifier, verified } = setup(['ok']);
    await verifier.start();
    expect(verified).toHaveLength(1);
  });

  it('when the credentials are rejected at start › the start fails (nothing consumed, nothing dead-lettered)', async () => {
    const { verifier, verified } = setup(['auth']);
    await expect(verifier.start()).rejects.toBeInstanceOf(FatalStartupError);
    expect(verified).toEqual([]);
  });

  it('when the server is down at start › starts anyway and retries every interval until it answers', async () => {
    const { verifier, verify, verified } = setup(['down', 'down', 'ok']);
    await verifier.start();
    expect(verified).toEqual([]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(verify).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(verified).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(verify).toHaveBeenCalledTimes(3);
  });

  it('when the credentials are rejected later › asks the service to stop', async () => {
    const { verifier, fatal } = setup(['down', 'auth']);
    await verifier.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fatal).toEqual(['SMTP authentication failed']);
  });

  it('stop() › ends the background retries; idempotent', async () => {
    const { verifier, verify } = setup(['down', 'down', 'down']);
    await verifier.start();
    verifier.stop();
    verifier.stop();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(verify).toHaveBeenCalledTimes(1);
  });
});

describe('SMTP verifier › the fallback relay refuses at start', () => {
  const start = (err: Error) =>
    createSmtpVerifier({ verify: async () => Promise.reject(err), retryMs: 5_000, onVerified: () => {}, onFatal: () => {}, logger: silentLogger }).start();

  it('its login › one line naming SMTP_FALLBACK_USER / SMTP_FALLBACK_PASS', async () => {
    const err = await start(Object.assign(authFailure(), { relay: 'fallback' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FatalStartupError);
    expect((err as Error).message).toMatch(
      /^the fallback SMTP relay \(SMTP_FALLBACK_HOST\) rejected the credentials of SMTP_FALLBACK_USER \/ SMTP_FALLBACK_PASS \(535 5\.7\.8 Authentication credentials invalid\)$/,
    );
  });

  it('its certificate › one line naming the fallback relay and SMTP_TLS_CA_FILE', async () => {
    const cert = Object.assign(new Error('self-signed certificate in certificate chain'), {
      code: 'ETLS',
      originalCode: 'SELF_SIGNED_CERT_IN_CHAIN',
      relay: 'fallback',
    });
    const err = await start(cert).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FatalStartupError);
    expect((err as Error).message).toMatch(/^the fallback SMTP relay \(SMTP_FALLBACK_HOST\): SMTP server certificate does not verify .*SMTP_TLS_CA_FILE/);
  });

  it('the primary’s login › the message stays the primary’s', async () => {
    const err = await start(Object.assign(authFailure(), { relay: 'primary' })).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^SMTP rejected the configured credentials/);
  });
});
