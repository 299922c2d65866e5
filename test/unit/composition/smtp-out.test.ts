import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { buildSmtpOut } from '../../../src/composition/smtp-out.js';
import { loadConfig } from '../../../src/platform/config/config.js';
import { createLogger } from '../../../src/platform/logger.js';
import { createMetrics } from '../../../src/platform/metrics.js';
import type { Mailer } from '../../../src/smtp/mailer.js';
import { smtpError } from '../../support/pipeline.js';
import { stubPrepared } from '../../support/stub-prepared.js';
import { REQUIRED } from '../platform/config/fixtures.js';

const loginRefused = () =>
  Object.assign(new Error('Invalid login: 535 5.7.8 Authentication credentials invalid'), { code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' });
const certificate = () => Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'ETLS', originalCode: 'SELF_SIGNED_CERT_IN_CHAIN' });

/** A relay whose sends and probes (verify) answer what `answer` returns. */
function relay(answer: () => Error | undefined): Mailer {
  return {
    prepare: async (mail) => stubPrepared(mail),
    send: async () => {
      const err = answer();
      if (err) throw err;
      return { reply: '250 ok' };
    },
    verify: async () => {
      const err = answer();
      if (err) throw err;
    },
    close: () => {},
  };
}

function setup(mailer: Mailer, fallback?: Mailer) {
  vi.useFakeTimers();
  const config = loadConfig({ ...REQUIRED, SMTP_BREAKER_THRESHOLD: '1', SMTP_BREAKER_PROBE_INTERVAL_MS: '1000' });
  const lines: Array<{ level: number | string; msg: string }> = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
  const fatal: string[] = [];
  const out = buildSmtpOut({
    config,
    mailer,
    fallback,
    metrics: createMetrics({ registry: new Registry(), defaults: false }),
    logger,
    onChange: () => {},
    onFatal: (reason) => fatal.push(reason),
  });
  return { out, fatal, fatalLines: () => lines.filter((l) => l.level === 'fatal' || l.level === 60) };
}

describe('buildSmtpOut › a probe that waiting cannot fix', () => {
  let stop: (() => void) | undefined;
  afterEach(() => {
    stop?.();
    vi.useRealTimers();
  });

  it.each([
    ['our login (after the previous password)', loginRefused],
    ['the certificate', certificate],
  ])('one relay, open on an outage, whose probe is then refused on %s › fatal once, one line', async (_label, refusal) => {
    let answer: () => Error | undefined = () => smtpError(undefined, 'ECONNECTION');
    const { out, fatal, fatalLines } = setup(relay(() => answer()));
    stop = out.stop;
    out.breaker.recordServerFailure('ECONNECTION');
    await vi.advanceTimersByTimeAsync(3_000);
    expect(fatal).toEqual([]);
    answer = refusal;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fatal).toHaveLength(1);
    expect(fatalLines()).toHaveLength(1);
  });

  it('two relays: the primary refuses our login while the fallback answers › no stop; then the fallback goes down and its probe is refused too › fatal once, one line naming both', async () => {
    let fallbackAnswer: () => Error | undefined = () => undefined;
    const { out, fatal, fatalLines } = setup(
      relay(loginRefused),
      relay(() => fallbackAnswer()),
    );
    stop = out.stop;
    const send = () => out.mailer.send({ mail: { messageId: '<a@acme.test>' } } as never);
    await expect(send()).resolves.toMatchObject({ relay: 'fallback' });
    await vi.advanceTimersByTimeAsync(3_000);
    expect(out.relays?.()).toMatchObject({ primary: { circuit: 'open', refused: expect.stringMatching(/535/) }, fallback: { circuit: 'closed' } });
    expect(fatal).toEqual([]);
    fallbackAnswer = () => smtpError(undefined, 'ECONNECTION');
    await send().catch(() => {});
    await vi.advanceTimersByTimeAsync(3_000);
    expect(fatal).toEqual([]);
    fallbackAnswer = loginRefused;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(fatal).toEqual([expect.stringMatching(/^both SMTP relays refuse us: primary \(SMTP_HOST\): .*535.*; fallback \(SMTP_FALLBACK_HOST\): .*535/)]);
    expect(fatalLines()).toHaveLength(1);
  });
});
