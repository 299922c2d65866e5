import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';

import { sendAttempt } from '../../../src/delivery/send-attempt.js';
import type { PreparedMail } from '../../../src/email/compose-welcome-email.js';
import type { SentLedger } from '../../../src/ledger/sent-ledger.js';
import { smtpCodeClass } from '../../../src/platform/delivery-metrics.js';
import { createMetrics } from '../../../src/platform/metrics.js';
import type { Mailer } from '../../../src/smtp/mailer.js';
import { silentLogger, smtpError } from '../../support/pipeline.js';

const letter = { eventId: 'e-1', prepared: { mail: { messageId: '<e-1@acme.test>' } } as unknown as PreparedMail };
const go = { proceed: () => true, onExchange: () => {} };
const ledger = {
  claim: vi.fn(async () => 'claimed' as const),
  markSent: vi.fn(async () => {}),
  release: vi.fn(async () => {}),
  close: async () => {},
} satisfies SentLedger;

async function exposition(send: Mailer['send']): Promise<string> {
  const registry = new Registry();
  await sendAttempt({ mailer: { send }, ledger, metrics: createMetrics({ registry, defaults: false }), logger: silentLogger }, letter, go);
  return registry.metrics();
}

function tagged(err: Error, relay: string): Error {
  return Object.assign(err, { relay });
}

describe('send metrics by relay and SMTP code class', () => {
  it('a 451 from the fallback counts as a transient failure of the fallback, code class 4xx, in both metrics', async () => {
    const text = await exposition(async () => {
      throw tagged(smtpError(451), 'fallback');
    });
    expect(text).toContain('email_dispatcher_send_failures_total{class="transient",relay="fallback",smtp_code_class="4xx"} 1');
    expect(text).toContain('email_dispatcher_send_duration_seconds_count{outcome="transient",relay="fallback",smtp_code_class="4xx"} 1');
  });

  it('a refused connection without a fallback relay: relay primary, code class none', async () => {
    const text = await exposition(async () => {
      throw smtpError(undefined, 'ECONNECTION');
    });
    expect(text).toContain('email_dispatcher_send_failures_total{class="transient",relay="primary",smtp_code_class="none"} 1');
  });

  it('a 550 counts as permanent, 5xx', async () => {
    const text = await exposition(async () => {
      throw smtpError(550);
    });
    expect(text).toContain('email_dispatcher_send_failures_total{class="permanent",relay="primary",smtp_code_class="5xx"} 1');
  });

  it('an accepted send is observed with its relay and 2xx', async () => {
    const text = await exposition(async () => ({ reply: '250 ok', relay: 'fallback' }) as never);
    expect(text).toContain('email_dispatcher_send_duration_seconds_count{outcome="sent",relay="fallback",smtp_code_class="2xx"} 1');
  });

  it('duration buckets reach past the 60 s send deadline (SMTP_SEND_TIMEOUT_MS default)', async () => {
    const text = await exposition(async () => ({ reply: '250 ok', relay: undefined }) as never);
    for (const le of ['60', '90', '120', '300'])
      expect(text).toContain(`email_dispatcher_send_duration_seconds_bucket{le="${le}",outcome="sent",relay="primary",smtp_code_class="2xx"} 1`);
  });

  it.each([
    [250, '2xx'],
    [421, '4xx'],
    [554, '5xx'],
    [undefined, 'none'],
    [999, 'none'],
  ] as const)('smtpCodeClass(%s) is %s', (code, cls) => {
    expect(smtpCodeClass(code)).toBe(cls);
  });
});
